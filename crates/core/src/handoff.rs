//! Handing a secret to a vendor's own client for one `run`, for clients that read only files:
//! the vendor's file is written in a private directory (RAM-backed where the OS has one:
//! `$XDG_RUNTIME_DIR`, else `/dev/shm`), 0700/0600, and only that vendor's lookup is pointed
//! there — the child's `XDG_CONFIG_HOME` becomes an overlay of the user's own config dir in which
//! every other entry is a symlink to the real one, so the child still sees the user's other
//! configuration. The user's own vendor file is never touched. A client that caches tokens in
//! plaintext gets an empty private directory where its cache goes (`XDG_CACHE_HOME` overlaid
//! the same way), so the cache is removed with the rest. The same directory holds the run's
//! [`crate::aftercare`] journal.
//!
//! On Windows the clients read below `%APPDATA%` or `%LOCALAPPDATA%` instead ([`Base::AppData`],
//! [`Base::LocalAppData`]), so those variables point at the overlay; the run directory is in the
//! user's temp dir, and the user's other entries are seen through symbolic links only where
//! Windows allows the user to make them (Developer Mode or an administrator; Wine does).
//!
//! Each run directory is named `simcred-run-<pid>-<32 random hex digits>` (from the system's
//! random source) and made with `mkdir` 0700, so nobody can create it first: in a shared place
//! such as `/dev/shm` another user could otherwise squat a name SimCred can predict.
//!
//! The directory is removed by [`Handoff::close`] after the child exits (directories the child
//! made read-only are made writable first, without following symlinks, and a failure is
//! reported, not ignored). A run whose SimCred was killed leaves its directory behind; the next
//! run (or `audit`) removes directories whose process is gone ([`stale_dirs`], [`remove_dir`]).

use crate::error::{Error, Result};
use crate::providers::files::{xdg_cache_home, xdg_config_home};
use crate::run_dirs::{owned_private_dir, private_bases, CHILD_PID, PREFIX};
pub use crate::run_dirs::{remove_dir, stale_dirs, Stale};
pub use crate::run_files::{Base, RunFile};
use crate::secret::Secret;
use std::fs;
use std::path::{Component, Path, PathBuf};

// Where each base is, here: the variable that names it and the user's own directory.
impl Base {
    fn var(self) -> &'static str {
        match self {
            Base::Config => "XDG_CONFIG_HOME",
            Base::Cache => "XDG_CACHE_HOME",
            Base::AppData => "APPDATA",
            Base::LocalAppData => "LOCALAPPDATA",
        }
    }

    fn real(self) -> Option<PathBuf> {
        match self {
            Base::Config => xdg_config_home(),
            Base::Cache => xdg_cache_home(),
            Base::AppData | Base::LocalAppData => std::env::var_os(self.var())
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
                .or_else(|| {
                    let b = directories::BaseDirs::new()?;
                    Some(match self {
                        Base::AppData => b.config_dir().to_path_buf(),
                        _ => b.data_local_dir().to_path_buf(),
                    })
                }),
        }
    }
}

/// What `run` gives the child: its variables, and the handoff directory to drop after it exits.
pub struct RunEnv {
    pub vars: Vec<(String, String)>,
    pub handoff: Option<Handoff>,
    /// A sentence for the user, such as when a handed-over access token expires.
    pub note: Option<String>,
    /// The secret values among `vars` and the handed-over files (for `run --mask`).
    pub secrets: Vec<Secret>,
    /// Variables to remove from the child's environment (one that would contradict the files,
    /// such as an access token the client would prefer to them).
    pub unset: Vec<String>,
    /// The watch over the vendor's own files the client may write the key to; call
    /// [`crate::aftercare::Aftercare::finish`] after the child exits, before closing `handoff`.
    pub aftercare: Option<crate::aftercare::Aftercare>,
}

/// The private directory of one run and the variables that point the child at it.
pub struct Handoff {
    dir: PathBuf,
    env: Vec<(String, String)>,
}

impl Handoff {
    /// Writes `files` into a fresh private directory and overlays each base.
    /// With no files it is just the private directory (for the run's aftercare journal).
    pub fn prepare(files: &[RunFile]) -> Result<Handoff> {
        let dir = new_run_dir(&[])?;
        let mut h = Handoff {
            dir,
            env: Vec::new(),
        };
        for f in files {
            let rel = safe_relative(&f.path)?;
            let overlay = h.dir.join(f.base.var().to_ascii_lowercase());
            if !overlay.exists() {
                make_private_dir(&overlay)?;
                h.env
                    .push((f.base.var().to_string(), overlay.display().to_string()));
            }
            let real = f.base.real();
            let mut at_overlay = overlay.clone();
            let mut at_real = real.clone();
            let parts: Vec<&Path> = rel.iter().map(Path::new).collect();
            for (i, part) in parts.iter().enumerate() {
                // Everything else at this level is the user's own, through a symlink.
                mirror_siblings(at_real.as_deref(), &at_overlay, part)?;
                at_overlay = at_overlay.join(part);
                at_real = at_real.map(|r| r.join(part));
                let last = i + 1 == parts.len();
                // A link made for an earlier file's siblings becomes a private level of its own.
                if at_overlay
                    .symlink_metadata()
                    .is_ok_and(|m| m.file_type().is_symlink())
                {
                    fs::remove_file(&at_overlay).map_err(|e| {
                        Error::Io(format!("cannot replace {}: {e}", at_overlay.display()))
                    })?;
                }
                if (!last || f.content.is_none()) && !at_overlay.exists() {
                    make_private_dir(&at_overlay)?;
                }
            }
            if let Some(content) = &f.content {
                crate::fsio::write_file(&at_overlay, content.expose().as_bytes(), true)
                    .map_err(|e| Error::Io(e.to_string()))?;
            }
        }
        Ok(h)
    }

    /// The variables to set in the child.
    pub fn env(&self) -> &[(String, String)] {
        &self.env
    }

    /// The private directory (for tests and messages).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Records the child's process id, so that a later run does not take the directory from
    /// under a child still running after its SimCred was killed.
    pub fn child_started(&self, pid: u32) -> Result<()> {
        crate::fsio::write_file(&self.dir.join(CHILD_PID), pid.to_string().as_bytes(), true)
            .map_err(|e| Error::Io(e.to_string()))
    }

    /// Removes the directory (see [`remove_dir`]); the error says what is left.
    pub fn close(mut self) -> Result<()> {
        let dir = std::mem::take(&mut self.dir);
        remove_dir(&dir)
    }
}

impl Drop for Handoff {
    fn drop(&mut self) {
        // Only when `close` was not reached (an early error): best effort.
        if !self.dir.as_os_str().is_empty() {
            let _ = remove_dir(&self.dir);
        }
    }
}

/// Makes a fresh private run directory, `simcred-run-<pid>-<random>` made with `mkdir` 0700 in
/// the first usable place ([`private_base`], or `bases` when given).
fn new_run_dir(bases: &[PathBuf]) -> Result<PathBuf> {
    let places = if bases.is_empty() {
        private_bases()
    } else {
        bases.to_vec()
    };
    let mut last = None;
    for base in places {
        if !base.is_dir() {
            continue;
        }
        // A name someone made first (it cannot be guessed, but a collision is cheap to survive).
        for _ in 0..8 {
            let dir = base.join(format!("{PREFIX}{}-{}", std::process::id(), random_hex()));
            match make_private_dir(&dir) {
                Ok(()) if owned_private_dir(&dir) => return Ok(dir),
                Ok(()) => {
                    let _ = fs::remove_dir(&dir);
                }
                Err(e) => last = Some(e),
            }
            if !dir.exists() {
                // Not a collision: this place refuses (read-only, full); try the next one.
                break;
            }
        }
    }
    Err(last.unwrap_or_else(|| Error::Io(
        "cannot find a private place for the vendor's file (no $XDG_RUNTIME_DIR, /dev/shm or temp dir of your own)".into(),
    )))
}

/// 32 hex digits from the system's random source (`getrandom`, else `/dev/urandom`; the
/// standard library's randomly keyed hasher as a last resort).
fn random_hex() -> String {
    let mut bytes = [0u8; 16];
    #[cfg(target_os = "linux")]
    // SAFETY: writes at most `bytes.len()` bytes into `bytes`.
    let got = unsafe { libc::getrandom(bytes.as_mut_ptr().cast(), bytes.len(), 0) } == 16;
    #[cfg(not(target_os = "linux"))]
    let got = false;
    let got = got
        || fs::File::open("/dev/urandom")
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes))
            .is_ok();
    if !got {
        use std::hash::{BuildHasher, Hasher};
        for (i, chunk) in bytes.chunks_mut(8).enumerate() {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_usize(i);
            chunk.copy_from_slice(&h.finish().to_le_bytes());
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Refuses absolute paths and `..` in a vendor file's relative path.
fn safe_relative(p: &str) -> Result<PathBuf> {
    let path = PathBuf::from(p);
    if path.components().all(|c| matches!(c, Component::Normal(_))) && !p.is_empty() {
        Ok(path)
    } else {
        Err(Error::Invalid(format!(
            "a vendor file path must be relative and plain, not \"{}\"",
            crate::text::safe(p)
        )))
    }
}

/// Symlinks every entry of `real` except `except` into `overlay`.
fn mirror_siblings(real: Option<&Path>, overlay: &Path, except: &Path) -> Result<()> {
    let Some(real) = real else { return Ok(()) };
    let Ok(entries) = fs::read_dir(real) else {
        return Ok(());
    };
    for e in entries.flatten() {
        let name = e.file_name();
        if Path::new(&name) == except {
            continue;
        }
        let link = overlay.join(&name);
        if link.symlink_metadata().is_ok() {
            continue;
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink(e.path(), &link)
            .map_err(|err| Error::Io(format!("cannot link {}: {err}", link.display())))?;
        #[cfg(windows)]
        {
            let made = if e.file_type().is_ok_and(|t| t.is_dir()) {
                std::os::windows::fs::symlink_dir(e.path(), &link)
            } else {
                std::os::windows::fs::symlink_file(e.path(), &link)
            };
            match made {
                Ok(()) => {}
                // ERROR_PRIVILEGE_NOT_HELD: symbolic links need Developer Mode or an
                // administrator; the child then sees only the handed-over entry at this level.
                Err(err) if err.raw_os_error() == Some(1314) => {}
                Err(err) => {
                    return Err(Error::Io(format!("cannot link {}: {err}", link.display())))
                }
            }
        }
    }
    Ok(())
}

fn make_private_dir(dir: &Path) -> Result<()> {
    #[cfg_attr(not(unix), allow(unused_mut))]
    let mut b = fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
        .map_err(|e| Error::Io(format!("cannot create {}: {e}", dir.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 20: on Windows the run directory goes in the user's own temp dir, never in a
    /// `\dev\shm` another user could make on the drive (under Wine, the Unix `/dev/shm`, a path
    /// Windows children cannot use).
    #[cfg(windows)]
    #[test]
    fn windows_run_dirs_are_in_the_users_temp_dir() {
        assert_eq!(private_bases(), [std::env::temp_dir()]);
        let h = Handoff::prepare(&[]).unwrap();
        assert!(
            h.dir().starts_with(std::env::temp_dir()),
            "{}",
            h.dir().display()
        );
        h.close().unwrap();
    }

    #[test]
    fn relative_paths_only() {
        assert!(safe_relative("Dlubal/api/config.ini").is_ok());
        assert!(safe_relative("/etc/passwd").is_err());
        assert!(safe_relative("../x").is_err());
        assert!(safe_relative("").is_err());
    }

    /// Issue 17 item 13: another user who creates the directory name SimCred would use in a
    /// shared place (`/dev/shm`, the temp dir) — or any name it can predict — cannot stop a run.
    #[cfg(unix)]
    #[test]
    fn a_squatted_name_in_a_shared_place_does_not_stop_a_run() {
        use std::os::unix::fs::PermissionsExt;
        let shared = tempfile::tempdir().unwrap();
        fs::set_permissions(shared.path(), fs::Permissions::from_mode(0o1777)).unwrap();
        // SAFETY: geteuid cannot fail.
        let uid = unsafe { libc::geteuid() };
        // The squatter's directory under the per-user name (readable by them: not private).
        let squat = shared.path().join(format!("simcred-{uid}"));
        fs::create_dir(&squat).unwrap();
        fs::set_permissions(&squat, fs::Permissions::from_mode(0o777)).unwrap();
        let other = tempfile::tempdir().unwrap();
        let squat2 = other.path().join(format!("simcred-{uid}"));
        std::os::unix::fs::symlink(shared.path(), &squat2).unwrap();
        let bases = [shared.path().to_path_buf(), other.path().to_path_buf()];
        let a = new_run_dir(&bases).expect("a run despite the squatter");
        let b = new_run_dir(&bases).unwrap();
        for d in [&a, &b] {
            assert!(owned_private_dir(d), "{}", d.display());
            assert!(
                !d.starts_with(&squat),
                "inside the squatter's dir: {}",
                d.display()
            );
            let name = d.file_name().unwrap().to_string_lossy().to_string();
            let random = name
                .strip_prefix(&format!("{PREFIX}{}-", std::process::id()))
                .unwrap_or_else(|| panic!("name {name}"));
            assert_eq!(random.len(), 32, "{name}");
            assert!(random.bytes().all(|c| c.is_ascii_hexdigit()), "{name}");
        }
        assert_ne!(a, b);
        // Nothing was created in the squatter's directory.
        assert_eq!(fs::read_dir(&squat).unwrap().count(), 0);
    }
}
