//! Where secrets live: the [`SecretStore`] trait and its OS-keyring implementation.
//!
//! One keyring entry per secret: service `simcred`, user `<namespace>:<profile>/<kind>/<name>`,
//! where the namespace is the config dir's `keyring_id` (kept in its `profiles.toml`), so two
//! config dirs with the same profile names never share secrets. Entries written by versions
//! before namespacing (`<profile>/<kind>/<name>`) are moved into the namespace the first time
//! they are read. Every call runs with a deadline, because a locked keyring can block forever
//! waiting for a prompt. There is no silent fallback: when no keyring answers, the error says so
//! and how to start one.

use crate::secret::Secret;
use std::sync::mpsc;
use std::time::Duration;

/// The keyring service name every SimCred entry uses.
pub const SERVICE: &str = "simcred";

/// What kind of secret an entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    /// A vendor API key (Modelon, Dlubal).
    ApiKey,
    /// An OAuth refresh token with `offline_access` (SimAI, OIDC).
    OfflineToken,
    /// A cached OAuth access token.
    AccessToken,
    /// An OAuth refresh token of a browser/password session (not offline).
    RefreshToken,
    /// A password the user chose to keep.
    Password,
    /// The token of a team store's vault (kept in the OS keyring, never in a file).
    VaultToken,
}

impl SecretKind {
    /// Whether this is a person's own sign-in (a refresh, offline or access token, a
    /// remembered password) rather than a key: of a team profile, it stays in this computer's
    /// keyring and is never written to the team store.
    pub fn is_personal(self) -> bool {
        matches!(
            self,
            SecretKind::OfflineToken
                | SecretKind::AccessToken
                | SecretKind::RefreshToken
                | SecretKind::Password
        )
    }

    /// The kind's segment in the keyring user name.
    /// The kind named `s` (as [`SecretKind::as_str`] writes it).
    pub fn parse(s: &str) -> Option<Self> {
        [
            SecretKind::ApiKey,
            SecretKind::OfflineToken,
            SecretKind::AccessToken,
            SecretKind::RefreshToken,
            SecretKind::Password,
            SecretKind::VaultToken,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SecretKind::ApiKey => "api-key",
            SecretKind::OfflineToken => "offline-token",
            SecretKind::AccessToken => "access-token",
            SecretKind::RefreshToken => "refresh-token",
            SecretKind::Password => "password",
            SecretKind::VaultToken => "vault-token",
        }
    }
}

/// Names one secret: the profile it belongs to, its kind and its name within the profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretId {
    pub profile: String,
    pub kind: SecretKind,
    pub name: String,
}

impl SecretId {
    pub fn new(profile: &str, kind: SecretKind, name: &str) -> Self {
        SecretId {
            profile: profile.to_string(),
            kind,
            name: name.to_string(),
        }
    }

    /// The keyring user name: `<profile>/<kind>/<name>`.
    pub fn user(&self) -> String {
        format!("{}/{}/{}", self.profile, self.kind.as_str(), self.name)
    }
}

/// Failures of the secret store. Messages never contain a secret.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No keyring daemon answers (no session bus, no Secret Service).
    #[error("no keyring is reachable ({backend}): {reason}. {hint}")]
    Unavailable {
        backend: String,
        reason: String,
        hint: String,
    },
    /// The keyring did not answer in time (usually: locked, waiting for a prompt).
    #[error("the keyring did not answer within {secs} s; it may be locked and waiting for a password prompt. Unlock it (for GNOME: open \"Passwords and Keys\" or run `gnome-keyring-daemon --unlock`) and try again, or raise SIMCRED_KEYRING_TIMEOUT")]
    Timeout { secs: u64 },
    /// The keyring answers but its collection is locked.
    #[error("the keyring is locked; unlock it (for GNOME: open \"Passwords and Keys\" or log in again) and try again")]
    Locked,
    /// The keyring answered with an error.
    #[error("the keyring refused the request: {0}")]
    Failed(String),
    /// A team store does not accept the credentials (not logged in, token expired or revoked).
    #[error("{0}")]
    Unauthorized(String),
    /// A team store's policy does not allow this.
    #[error("{0}")]
    PermissionDenied(String),
    /// Someone else changed the entry meanwhile; nothing was overwritten.
    #[error("{0}; nothing was overwritten")]
    Conflict(String),
    /// A team store cannot be reached or is sealed.
    #[error("{0}")]
    Offline(String),
    /// A stored value is not one key (a control character, white space around it); the
    /// sentence names the profile and key, never the value.
    #[error("{0}")]
    Malformed(String),
    /// There is no such store (no `[stores.NAME]` table of that name).
    #[error("{0}")]
    NotFound(String),
    /// The store answers but has no room for the secret (the kernel keyring's per-user
    /// quota); nothing was written. The hint says how to make room.
    #[error("{backend} is full: {reason}. {hint}")]
    Full {
        backend: String,
        reason: String,
        hint: String,
    },
}

/// A place to keep secrets. The OS keyring is the product's implementation; a team vault can be
/// another one later.
pub trait SecretStore: Send + Sync {
    /// A human name for the backend, shown by `status`.
    fn backend(&self) -> String;
    /// Reads a secret; `Ok(None)` when there is no such entry.
    fn get(&self, id: &SecretId) -> Result<Option<Secret>, StoreError>;
    /// Creates or overwrites a secret.
    fn set(&self, id: &SecretId, secret: &Secret) -> Result<(), StoreError>;
    /// Deletes a secret; `Ok(false)` when there was none.
    fn delete(&self, id: &SecretId) -> Result<bool, StoreError>;
    /// Checks that the backend answers (without reading any secret).
    fn probe(&self) -> Result<(), StoreError>;
    /// The secrets kept for `profile`, for backends that can list them (a vault); `None` for
    /// those that cannot (the OS keyring and the kernel find entries by name only).
    fn list(&self, profile: &str) -> Result<Option<Vec<SecretId>>, StoreError> {
        let _ = profile;
        Ok(None)
    }
    /// Writes `new` only if the entry still holds `expected` (`None`: no entry), else
    /// [`StoreError::Conflict`] and nothing is written. Atomic where the backend can
    /// check-and-set (a vault); a read then a write for the keyring.
    fn replace(
        &self,
        id: &SecretId,
        expected: Option<&Secret>,
        new: &Secret,
    ) -> Result<(), StoreError> {
        if self.get(id)?.as_ref() != expected {
            return Err(changed_meanwhile(id));
        }
        self.set(id, new)
    }
}

/// The conflict of a secret someone else changed between our read and our write.
pub fn changed_meanwhile(id: &SecretId) -> StoreError {
    StoreError::Conflict(format!(
        "the {} \"{}\" of profile \"{}\" was changed by someone else meanwhile; yours was not stored",
        match id.kind {
            SecretKind::ApiKey => "key",
            _ => "secret",
        },
        id.name,
        id.profile
    ))
}

/// The OS keyring (Secret Service on Linux, Keychain on macOS, Credential Manager on Windows).
pub struct KeyringStore {
    timeout: Duration,
    /// The config dir's `keyring_id`; `None` only for the un-namespaced layout of old versions.
    namespace: Option<String>,
}

impl KeyringStore {
    /// A keyring store with the deadline from `SIMCRED_KEYRING_TIMEOUT` (seconds, default 10,
    /// at most 600), entries in `namespace` (the config dir's `keyring_id`).
    pub fn from_env(namespace: &str) -> Self {
        let secs = std::env::var("SIMCRED_KEYRING_TIMEOUT")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|s| *s > 0)
            .unwrap_or(10)
            .min(600);
        KeyringStore {
            timeout: Duration::from_secs(secs),
            namespace: Some(namespace.to_string()),
        }
    }

    /// The keyring user name of a secret in this store.
    fn user(&self, id: &SecretId) -> String {
        match &self.namespace {
            Some(ns) => format!("{ns}:{}", id.user()),
            None => id.user(),
        }
    }

    fn backend_name() -> &'static str {
        if cfg!(target_os = "linux") {
            "Secret Service (D-Bus org.freedesktop.secrets)"
        } else if cfg!(target_os = "macos") {
            "macOS Keychain"
        } else if cfg!(target_os = "windows") {
            "Windows Credential Manager"
        } else {
            "OS keyring"
        }
    }

    /// Runs `f` on a worker thread and gives up after the deadline. When the keyring daemon
    /// vanished in the middle of the call (it crashed, or was restarted), `f` runs once more:
    /// the bus then starts a fresh daemon, and every call here is safe to repeat (reads, and
    /// writes and deletes by name).
    fn with_deadline<T: Send + 'static>(
        &self,
        f: impl Fn() -> Result<T, keyring::Error> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut r = f();
            if matches!(&r, Err(e) if daemon_vanished(&e.to_string())) {
                r = f();
            }
            let _ = tx.send(r.map_err(classify));
        });
        match rx.recv_timeout(self.timeout) {
            Ok(r) => r,
            Err(_) => Err(StoreError::Timeout {
                secs: self.timeout.as_secs(),
            }),
        }
    }
}

/// Whether a keyring error says the daemon went away while it had our call (D-Bus: the
/// recipient disconnected without replying, or its name lost its owner meanwhile), rather than
/// refusing it. Such a call is worth one more try; a refusal is not.
fn daemon_vanished(text: &str) -> bool {
    let t = text.to_lowercase();
    t.contains("noreply")
        || t.contains("disconnected from message bus without replying")
        || t.contains("remote peer disconnected")
        || t.contains("has no owner")
        // A daemon started again between opening the session and using it knows no session.
        || t.contains("session wrapping the secret does not exist")
}

fn unavailable(reason: String) -> StoreError {
    let hint = if cfg!(target_os = "linux") {
        "Run SimCred inside a desktop session, or start a session bus and an unlocked keyring, for example: `dbus-run-session -- sh -c 'printf PASSWORD | gnome-keyring-daemon --unlock --components=secrets >/dev/null; simcred status'`"
    } else {
        "Make sure the OS keyring is available and unlocked"
    };
    StoreError::Unavailable {
        backend: KeyringStore::backend_name().to_string(),
        reason,
        hint: hint.to_string(),
    }
}

/// A keyring error as a [`StoreError`]. Refused access to a collection that is locked (its
/// unlock prompt dismissed, or no display to show it on) is [`StoreError::Locked`], which says
/// what to do, rather than "no keyring is reachable". Runs on the request's own thread, inside
/// its deadline, since asking whether the collection is locked is one more D-Bus call.
fn classify(e: keyring::Error) -> StoreError {
    #[cfg(target_os = "linux")]
    if matches!(e, keyring::Error::NoStorageAccess(_))
        && !daemon_vanished(&e.to_string())
        && default_collection_locked() == Some(true)
    {
        return StoreError::Locked;
    }
    map_keyring_error(e)
}

fn map_keyring_error(e: keyring::Error) -> StoreError {
    let text = e.to_string();
    let lower = text.to_lowercase();
    if daemon_vanished(&text) {
        return unavailable(
            "the keyring daemon quit in the middle of the request, twice (it may have crashed); try again".into(),
        );
    }
    if lower.contains("autolaunch") || lower.contains("dbus_session_bus_address") {
        return unavailable("there is no D-Bus session bus".into());
    }
    if lower.contains("org.freedesktop.secrets") || lower.contains("serviceunknown") {
        return unavailable("no Secret Service daemon (such as gnome-keyring or KeePassXC) is running on the session bus".into());
    }
    match e {
        keyring::Error::NoStorageAccess(_) | keyring::Error::PlatformFailure(_) => {
            unavailable(first_line(&text))
        }
        _ => StoreError::Failed(first_line(&text)),
    }
}

fn first_line(s: &str) -> String {
    s.lines()
        .next()
        .unwrap_or("")
        .trim()
        .trim_end_matches('.')
        .to_string()
}

/// Reads one keyring entry; `Ok(None)` when there is none.
fn read_entry(user: &str) -> Result<Option<Secret>, keyring::Error> {
    let entry = keyring::Entry::new(SERVICE, user)?;
    match entry.get_password() {
        Ok(p) => Ok(Some(Secret::new(p))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Deletes one keyring entry; `Ok(false)` when there was none.
fn delete_entry(user: &str) -> Result<bool, keyring::Error> {
    let entry = keyring::Entry::new(SERVICE, user)?;
    match entry.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(e),
    }
}

impl SecretStore for KeyringStore {
    fn backend(&self) -> String {
        Self::backend_name().to_string()
    }

    fn get(&self, id: &SecretId) -> Result<Option<Secret>, StoreError> {
        let user = self.user(id);
        let legacy = self.namespace.is_some().then(|| id.user());
        self.with_deadline(move || {
            if let Some(s) = read_entry(&user)? {
                return Ok(Some(s));
            }
            // An entry of a version before namespacing: move it into this namespace, written
            // and read back before the old one is deleted.
            let Some(old) = legacy.as_deref() else {
                return Ok(None);
            };
            let Some(s) = read_entry(old)? else {
                return Ok(None);
            };
            keyring::Entry::new(SERVICE, &user)?.set_password(s.expose())?;
            if read_entry(&user)?.as_ref() == Some(&s) {
                delete_entry(old)?;
            }
            Ok(Some(s))
        })
    }

    fn set(&self, id: &SecretId, secret: &Secret) -> Result<(), StoreError> {
        let user = self.user(id);
        let value = secret.clone();
        self.with_deadline(move || {
            let entry = keyring::Entry::new(SERVICE, &user)?;
            entry.set_password(value.expose())
        })
    }

    fn delete(&self, id: &SecretId) -> Result<bool, StoreError> {
        let user = self.user(id);
        let legacy = self.namespace.is_some().then(|| id.user());
        self.with_deadline(move || {
            let mut any = delete_entry(&user)?;
            if let Some(old) = legacy.as_deref() {
                any |= delete_entry(old)?;
            }
            Ok(any)
        })
    }

    fn probe(&self) -> Result<(), StoreError> {
        // Reading an entry that does not exist reaches the backend without touching a secret.
        let id = SecretId::new("_simcred", SecretKind::ApiKey, "_probe");
        let user = self.user(&id);
        self.with_deadline(move || read_entry(&user).map(|_| ()))?;
        #[cfg(target_os = "linux")]
        if self.with_deadline(|| Ok(default_collection_locked()))? == Some(true) {
            return Err(StoreError::Locked);
        }
        Ok(())
    }
}

/// Whether the Secret Service's default collection is locked (`None` when it cannot be told).
/// A search succeeds on a locked collection, so only this tells `status` the truth.
#[cfg(target_os = "linux")]
fn default_collection_locked() -> Option<bool> {
    use dbus_secret_service::{EncryptionType, SecretService};
    let ss = SecretService::connect(EncryptionType::Plain).ok()?;
    let c = ss.get_default_collection().ok()?;
    c.is_locked().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::memory::MemoryStore;

    #[test]
    fn kinds_parse_as_written_and_the_memory_store_lists_a_profile() {
        for k in [
            SecretKind::ApiKey,
            SecretKind::OfflineToken,
            SecretKind::VaultToken,
        ] {
            assert_eq!(SecretKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(SecretKind::parse("api-keys"), None);
        let m = MemoryStore::default();
        for (p, n) in [("a", "one"), ("a", "two"), ("ab", "three")] {
            m.set(&SecretId::new(p, SecretKind::ApiKey, n), &Secret::new("x"))
                .unwrap();
        }
        let mut names: Vec<String> = m
            .list("a")
            .unwrap()
            .unwrap()
            .into_iter()
            .map(|i| i.name)
            .collect();
        names.sort();
        assert_eq!(names, ["one", "two"]);
    }

    #[test]
    fn user_name_layout() {
        let id = SecretId::new("work", SecretKind::ApiKey, "project_1");
        assert_eq!(id.user(), "work/api-key/project_1");
        let store = KeyringStore::from_env("0a1b");
        assert_eq!(store.user(&id), "0a1b:work/api-key/project_1");
    }

    #[test]
    fn only_a_daemon_that_vanished_mid_call_is_tried_again() {
        for gone in [
            "Platform secure storage failure: D-Bus error: Message recipient disconnected from message bus without replying (org.freedesktop.DBus.Error.NoReply)",
            "org.freedesktop.DBus.Error.NoReply: Remote peer disconnected",
            "The name :1.42 has no owner",
            "Platform secure storage failure: DBus error: The session wrapping the secret does not exist",
        ] {
            assert!(daemon_vanished(gone), "{gone}");
        }
        for refused in [
            "No matching entry found in secure storage",
            "Couldn't access platform secure storage: Cannot create an item in a locked collection",
            "org.freedesktop.DBus.Error.AccessDenied",
        ] {
            assert!(!daemon_vanished(refused), "{refused}");
        }
    }

    /// D-Bus (and its hint) exist on Linux only.
    #[cfg(target_os = "linux")]
    #[test]
    fn no_bus_becomes_a_sentence() {
        let e = map_keyring_error(keyring::Error::PlatformFailure(
            "Unable to autolaunch a dbus-daemon without a $DISPLAY for X11".into(),
        ));
        let msg = e.to_string();
        assert!(msg.contains("no D-Bus session bus"), "{msg}");
        assert!(msg.contains("gnome-keyring-daemon --unlock"), "{msg}");
    }
}
