//! Handing a secret to a vendor's own client for one `run`, for clients that read only files:
//! the vendor's file is written in a private directory (RAM-backed where the OS has one:
//! `$XDG_RUNTIME_DIR`, else `/dev/shm`), 0700/0600, and only that vendor's lookup is pointed
//! there — the child's `XDG_CONFIG_HOME` becomes an overlay of the user's own config dir in which
//! every other entry is a symlink to the real one, so the child still sees the user's other
//! configuration. The user's own vendor file is never touched. A client that caches tokens in
//! plaintext gets an empty private directory where its cache goes (`XDG_CACHE_HOME` overlaid
//! the same way), so the cache is removed with the rest.
//!
//! The directory is removed when the [`Handoff`] is dropped (after the child exits). A run whose
//! SimCred was killed leaves its directory behind; the next run removes directories whose
//! process is gone ([`clean_stale`]).

use crate::error::{Error, Result};
use crate::providers::files::{xdg_cache_home, xdg_config_home};
use crate::secret::Secret;
use std::fs;
use std::path::{Component, Path, PathBuf};

/// The prefix of every run directory's name; the owner's process id follows.
const PREFIX: &str = "simcred-run-";

/// Which of the user's directories a handed-over file belongs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    /// `$XDG_CONFIG_HOME` (`~/.config`).
    Config,
    /// `$XDG_CACHE_HOME` (`~/.cache`).
    Cache,
}

impl Base {
    fn var(self) -> &'static str {
        match self {
            Base::Config => "XDG_CONFIG_HOME",
            Base::Cache => "XDG_CACHE_HOME",
        }
    }

    fn real(self) -> Option<PathBuf> {
        match self {
            Base::Config => xdg_config_home(),
            Base::Cache => xdg_cache_home(),
        }
    }
}

/// One file a vendor's client reads, with its content (which holds the secret), or a directory
/// it writes secrets into (a token cache), made empty and private.
pub struct RunFile {
    pub base: Base,
    /// The path below the base, such as `Dlubal/api/config.ini` or `ansys/pysimai`.
    pub path: String,
    /// The file's content; `None` for an empty directory.
    pub content: Option<Secret>,
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
}

/// The private directory of one run and the variables that point the child at it.
pub struct Handoff {
    dir: PathBuf,
    env: Vec<(String, String)>,
}

impl Handoff {
    /// Writes `files` into a fresh private directory and overlays each base.
    pub fn prepare(files: &[RunFile]) -> Result<Handoff> {
        clean_stale();
        let root = private_root()?;
        let dir = root.join(format!(
            "{PREFIX}{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        make_private_dir(&dir)?;
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
}

impl Drop for Handoff {
    fn drop(&mut self) {
        // remove_dir_all removes symlinks, never what they point to.
        let _ = fs::remove_dir_all(&self.dir);
    }
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
    }
    Ok(())
}

fn make_private_dir(dir: &Path) -> Result<()> {
    let mut b = fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
        .map_err(|e| Error::Io(format!("cannot create {}: {e}", dir.display())))
}

/// Where run directories go: `$XDG_RUNTIME_DIR` (a per-user tmpfs under systemd), else a
/// per-user 0700 directory in `/dev/shm` (RAM), else in the temp dir.
fn private_root() -> Result<PathBuf> {
    if let Some(r) = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|r| owned_private_dir(r))
    {
        return Ok(r);
    }
    #[cfg(unix)]
    // SAFETY: geteuid has no preconditions and cannot fail.
    let uid = unsafe { libc::geteuid() };
    #[cfg(not(unix))]
    let uid = 0;
    for base in [PathBuf::from("/dev/shm"), std::env::temp_dir()] {
        if !base.is_dir() {
            continue;
        }
        let d = base.join(format!("simcred-{uid}"));
        if !d.exists() {
            let _ = make_private_dir(&d);
        }
        if owned_private_dir(&d) {
            return Ok(d);
        }
    }
    Err(Error::Io(
        "cannot find a private place for the vendor's file (no $XDG_RUNTIME_DIR, /dev/shm or temp dir of your own)".into(),
    ))
}

/// A directory (not a symlink) owned by us, with no access for group or others.
fn owned_private_dir(d: &Path) -> bool {
    let Ok(m) = d.symlink_metadata() else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        m.is_dir() && m.uid() == me && m.mode() & 0o077 == 0
    }
    #[cfg(not(unix))]
    {
        m.is_dir()
    }
}

/// Removes run directories whose SimCred process is gone (killed before it could clean up).
pub fn clean_stale() {
    let Ok(root) = private_root() else { return };
    let Ok(entries) = fs::read_dir(&root) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let Some(pid) = name
            .strip_prefix(PREFIX)
            .and_then(|r| r.split('-').next())
            .and_then(|p| p.parse::<i32>().ok())
        else {
            continue;
        };
        if !alive(pid) {
            let _ = fs::remove_dir_all(e.path());
        }
    }
}

fn alive(pid: i32) -> bool {
    #[cfg(unix)]
    {
        // SAFETY: kill with signal 0 only checks that the process exists.
        let r = unsafe { libc::kill(pid, 0) };
        r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_only() {
        assert!(safe_relative("Dlubal/api/config.ini").is_ok());
        assert!(safe_relative("/etc/passwd").is_err());
        assert!(safe_relative("../x").is_err());
        assert!(safe_relative("").is_err());
    }
}
