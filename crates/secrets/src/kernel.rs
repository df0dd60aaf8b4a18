//! The Linux kernel keyring (keyutils) as a store for headless machines: an SSH session on a
//! compute node or a CI job has no D-Bus session and no Secret Service, but the kernel keeps
//! keys for each user. A profile in a `kind = "kernel"` store keeps its settings in
//! `profiles.toml` like any local profile; only its secrets live in the kernel. They are in
//! memory only: [`SURVIVES`] says for how long, and `status` shows it.

use crate::secret::Secret;
use crate::store::{SecretId, SecretStore, StoreError, SERVICE};

/// What the kernel keyring keeps and for how long (shown by `status` and `store list`).
pub const SURVIVES: &str = "in this user's Linux kernel keyring: kept while the user has a process on this machine (a login, tmux, a lingering systemd user manager), gone when the last one ends and at reboot";

/// The secrets of profiles in a kernel store, as `user` keys in this user's keyring (`@u`),
/// described like the OS keyring's entries (`simcred:{keyring_id}:{profile}/{kind}/{name}`),
/// so two profile files never share one.
pub struct KernelStore {
    namespace: String,
}

impl KernelStore {
    /// Entries in `namespace` (the profiles file's `keyring_id`).
    pub fn new(namespace: &str) -> Self {
        KernelStore {
            namespace: namespace.to_string(),
        }
    }

    fn description(&self, id: &SecretId) -> String {
        format!("{SERVICE}:{}:{}", self.namespace, id.user())
    }
}

impl SecretStore for KernelStore {
    fn backend(&self) -> String {
        "Linux kernel keyring (keyutils)".into()
    }

    fn get(&self, id: &SecretId) -> Result<Option<Secret>, StoreError> {
        let Some(key) = sys::search(&self.description(id))? else {
            return Ok(None);
        };
        let bytes = sys::read(key)?;
        String::from_utf8(bytes)
            .map(|s| Some(Secret::new(s)))
            .map_err(|_| unavailable("an entry holds bytes that are not text".into()))
    }

    fn set(&self, id: &SecretId, secret: &Secret) -> Result<(), StoreError> {
        sys::add(&self.description(id), secret.expose().as_bytes())
    }

    fn delete(&self, id: &SecretId) -> Result<bool, StoreError> {
        match sys::search(&self.description(id))? {
            Some(key) => sys::remove(key).map(|()| true),
            None => Ok(false),
        }
    }

    /// Looks up an entry that does not exist: the kernel answers "no such key" when keyutils
    /// works, an error when the system call is forbidden (some containers).
    fn probe(&self) -> Result<(), StoreError> {
        sys::search(&format!("{SERVICE}:{}:probe", self.namespace)).map(|_| ())
    }
}

const BACKEND: &str = "Linux kernel keyring (keyutils)";

fn unavailable(reason: String) -> StoreError {
    StoreError::Unavailable {
        backend: BACKEND.into(),
        reason,
        hint: "A container may forbid the keyctl system call; use the OS keyring or a team store there".into(),
    }
}

/// The kernel's per-user key quota in force for this process (`kernel.keys.maxbytes` and
/// `maxkeys`, or their `root_` forms for root), when `/proc` shows it.
#[cfg(target_os = "linux")]
fn quota_now(prefix: &str) -> Option<(u64, u64)> {
    let read = |name: &str| -> Option<u64> {
        std::fs::read_to_string(format!("/proc/sys/kernel/keys/{prefix}{name}"))
            .ok()?
            .trim()
            .parse()
            .ok()
    };
    Some((read("maxbytes")?, read("maxkeys")?))
}

/// The error for a failed keyutils call: a full quota (`EDQUOT`) is its own case, with what to
/// do about it; anything else means keyutils cannot be used here.
#[cfg(target_os = "linux")]
fn call_failed(what: &str, err: std::io::Error, root: bool) -> StoreError {
    if err.raw_os_error() == Some(libc::EDQUOT) {
        let prefix = if root { "root_" } else { "" };
        let now = quota_now(prefix)
            .map(|(b, k)| format!("{b} bytes and {k} keys"))
            .unwrap_or_else(|| "unknown".into());
        return StoreError::Full {
            backend: format!("this user's {BACKEND}"),
            reason: format!(
                "{what}: the kernel's quota for this user's keys is used up (kernel.keys.{prefix}maxbytes / {prefix}maxkeys: {now}; the default for a user other than root is 20000 bytes and 200 keys), so nothing was stored"
            ),
            hint: format!(
                "Remove keys this user no longer needs (`keyctl show @u` lists them; `simcred key remove`, or `keyctl unlink KEY @u`), or have root raise the quota, e.g. `sysctl -w kernel.keys.{prefix}maxbytes=200000 kernel.keys.{prefix}maxkeys=2000` (in /etc/sysctl.d/ to keep it after a reboot)"
            ),
        };
    }
    unavailable(format!("{what}: {err}"))
}

/// The four keyutils calls, on the user keyring (`@u`).
#[cfg(target_os = "linux")]
mod sys {
    use super::{call_failed, unavailable};
    use crate::store::StoreError;
    use std::ffi::CString;

    const KEY_SPEC_USER_KEYRING: libc::c_long = -4;
    const KEYCTL_SETPERM: libc::c_long = 5;
    const KEYCTL_UNLINK: libc::c_long = 9;
    const KEYCTL_SEARCH: libc::c_long = 10;
    const KEYCTL_READ: libc::c_long = 11;
    const KEYCTL_INVALIDATE: libc::c_long = 21;
    /// Possessor: all; the user (processes of this uid): view, read, write, search, link,
    /// setattr, as the Secret Service lets every process of the user read its items. Others:
    /// nothing.
    const PERM: libc::c_long = 0x3f3f_0000;
    /// The largest payload of a `user` key.
    const MAX: usize = 32_767;

    fn c(s: &str) -> Result<CString, StoreError> {
        CString::new(s).map_err(|_| unavailable("a name with a NUL byte".into()))
    }

    fn failed(what: &str) -> StoreError {
        let err = std::io::Error::last_os_error();
        // SAFETY: geteuid takes nothing and cannot fail.
        let root = unsafe { libc::geteuid() } == 0;
        call_failed(what, err, root)
    }

    /// The key described `desc` in the user keyring, if any.
    pub fn search(desc: &str) -> Result<Option<libc::c_long>, StoreError> {
        let (kind, desc) = (c("user")?, c(desc)?);
        // SAFETY: keyctl(KEYCTL_SEARCH) reads two NUL-terminated strings that live until it
        // returns; it writes nothing.
        let r = unsafe {
            libc::syscall(
                libc::SYS_keyctl,
                KEYCTL_SEARCH,
                KEY_SPEC_USER_KEYRING,
                kind.as_ptr(),
                desc.as_ptr(),
                0 as libc::c_long,
            )
        };
        if r >= 0 {
            return Ok(Some(r));
        }
        match std::io::Error::last_os_error().raw_os_error() {
            Some(libc::ENOKEY) | Some(libc::EKEYREVOKED) | Some(libc::EKEYEXPIRED) => Ok(None),
            _ => Err(failed("searching the user keyring failed")),
        }
    }

    /// The payload of `key`.
    pub fn read(key: libc::c_long) -> Result<Vec<u8>, StoreError> {
        let mut buf = vec![0u8; MAX];
        // SAFETY: keyctl(KEYCTL_READ) writes at most `buf.len()` bytes into `buf`.
        let n = unsafe {
            libc::syscall(
                libc::SYS_keyctl,
                KEYCTL_READ,
                key,
                buf.as_mut_ptr(),
                buf.len(),
            )
        };
        let n = usize::try_from(n).map_err(|_| failed("reading a key failed"))?;
        if n > buf.len() {
            return Err(unavailable("a key is larger than a user key can be".into()));
        }
        buf.truncate(n);
        Ok(buf)
    }

    /// Creates (or replaces the payload of) the key described `desc` in the user keyring.
    pub fn add(desc: &str, payload: &[u8]) -> Result<(), StoreError> {
        if payload.len() > MAX {
            return Err(unavailable(format!(
                "the kernel keeps at most {MAX} bytes per key"
            )));
        }
        let (kind, desc) = (c("user")?, c(desc)?);
        // SAFETY: add_key reads two NUL-terminated strings and `payload.len()` bytes of
        // `payload`, all alive until it returns.
        let key = unsafe {
            libc::syscall(
                libc::SYS_add_key,
                kind.as_ptr(),
                desc.as_ptr(),
                payload.as_ptr(),
                payload.len(),
                KEY_SPEC_USER_KEYRING,
            )
        };
        if key < 0 {
            return Err(failed("adding a key to the user keyring failed"));
        }
        // SAFETY: keyctl(KEYCTL_SETPERM) takes two integers.
        let r = unsafe { libc::syscall(libc::SYS_keyctl, KEYCTL_SETPERM, key, PERM) };
        if r < 0 {
            return Err(failed("setting a key's permissions failed"));
        }
        Ok(())
    }

    /// Destroys `key` (invalidated: gone for every keyring at once), or unlinks it from the
    /// user keyring where invalidation is not allowed.
    pub fn remove(key: libc::c_long) -> Result<(), StoreError> {
        // SAFETY: keyctl(KEYCTL_INVALIDATE / KEYCTL_UNLINK) take integers only.
        let r = unsafe { libc::syscall(libc::SYS_keyctl, KEYCTL_INVALIDATE, key) };
        if r == 0 {
            return Ok(());
        }
        // SAFETY: as above.
        let r =
            unsafe { libc::syscall(libc::SYS_keyctl, KEYCTL_UNLINK, key, KEY_SPEC_USER_KEYRING) };
        if r == 0 {
            Ok(())
        } else {
            Err(failed("deleting a key failed"))
        }
    }
}

/// Elsewhere there is no kernel keyring: every call says so.
#[cfg(not(target_os = "linux"))]
mod sys {
    use super::unavailable;
    use crate::store::StoreError;

    fn none<T>() -> Result<T, StoreError> {
        Err(unavailable(
            "the kernel keyring exists only on Linux".into(),
        ))
    }
    pub fn search(_: &str) -> Result<Option<i64>, StoreError> {
        none()
    }
    pub fn read(_: i64) -> Result<Vec<u8>, StoreError> {
        none()
    }
    pub fn add(_: &str, _: &[u8]) -> Result<(), StoreError> {
        none()
    }
    pub fn remove(_: i64) -> Result<(), StoreError> {
        none()
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use crate::store::SecretKind;

    /// A full quota is its own error with what to do; other failures still say keyutils may
    /// be forbidden here. (tests/store_kernel.rs fills a real user's quota when run as root.)
    #[test]
    fn a_full_quota_says_so_and_how_to_make_room() {
        let full = call_failed(
            "adding a key to the user keyring failed",
            std::io::Error::from_raw_os_error(libc::EDQUOT),
            false,
        );
        assert!(matches!(full, StoreError::Full { .. }), "{full:?}");
        let text = full.to_string();
        for want in ["quota", "kernel.keys.maxbytes", "sysctl", "keyctl show @u"] {
            assert!(text.contains(want), "{want}: {text}");
        }
        assert!(!text.contains("keyctl system call"), "{text}");
        assert!(!text.contains("no keyring is reachable"), "{text}");
        let root = call_failed("x", std::io::Error::from_raw_os_error(libc::EDQUOT), true);
        assert!(root.to_string().contains("root_maxbytes"), "{root}");
        let other = call_failed("x", std::io::Error::from_raw_os_error(libc::ENOSYS), false);
        assert!(matches!(other, StoreError::Unavailable { .. }), "{other:?}");
    }

    /// The real kernel keyring of the user running the tests: write, read, overwrite, delete.
    #[test]
    fn a_secret_goes_to_the_kernel_and_back() {
        let store = KernelStore::new(&format!("unit-{}", std::process::id()));
        let id = SecretId {
            profile: "p".into(),
            kind: SecretKind::ApiKey,
            name: "main".into(),
        };
        store.probe().unwrap();
        assert_eq!(store.get(&id).unwrap(), None);
        store.set(&id, &Secret::new("first")).unwrap();
        store.set(&id, &Secret::new("second")).unwrap();
        assert_eq!(store.get(&id).unwrap(), Some(Secret::new("second")));
        assert!(store.delete(&id).unwrap());
        assert!(!store.delete(&id).unwrap());
        assert_eq!(store.get(&id).unwrap(), None);
    }
}
