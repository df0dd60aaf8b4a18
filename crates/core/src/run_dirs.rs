//! Where `simcred run`'s private run directories live and how they go: the places
//! ([`private_bases`]), the names (`simcred-run-<pid>-…`, [`PREFIX`]), removing one without
//! following a symlink ([`remove_dir`]) and finding those a killed SimCred left ([`stale_dirs`]).
//! `handoff.rs` makes the directories, `aftercare.rs` cleans up after a killed run; both import
//! this file, which imports neither (re-exported as `handoff::{remove_dir, stale_dirs, Stale}`).

use crate::error::{Error, Result};
use std::fs;
use std::path::{Path, PathBuf};

/// The prefix of every run directory's name; the owner's process id and a random part follow.
pub(crate) const PREFIX: &str = "simcred-run-";

/// The file in a run directory that names the child's process id (written once it started).
pub(crate) const CHILD_PID: &str = "child.pid";

/// Removes a run directory and everything in it, never what a symlink in it points to. A
/// directory the child made read-only (or unreadable) is made 0700 first, so the key does not
/// stay behind; what cannot be removed is reported with the path, never ignored.
pub fn remove_dir(dir: &Path) -> Result<()> {
    make_dirs_writable(dir);
    // remove_dir_all removes symlinks, never what they point to.
    match fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::Io(format!(
            "cannot remove the private hand-over directory {}: {e}; it may still hold the key: remove it yourself (`{} {}`)",
            dir.display(),
            if cfg!(windows) { "rmdir /s /q" } else { "rm -rf" },
            dir.display()
        ))),
    }
}

/// Gives every directory below (and including) `dir` the mode 0700, top down, without
/// following symlinks: a directory is opened with `O_NOFOLLOW` and changed through its
/// descriptor, so a symlink swapped in is never followed.
fn make_dirs_writable(dir: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let mut stack = vec![dir.to_path_buf()];
        let mut seen = 0usize;
        while let Some(d) = stack.pop() {
            seen += 1;
            if seen > 10_000 {
                return;
            }
            let Ok(c) = std::ffi::CString::new(d.as_os_str().as_bytes()) else {
                continue;
            };
            // O_PATH needs no permission on the directory itself, so a mode-0 one opens too.
            // SAFETY: `c` is a valid NUL-terminated path.
            let fd = unsafe {
                libc::open(
                    c.as_ptr(),
                    libc::O_PATH | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC,
                )
            };
            if fd < 0 {
                continue;
            }
            // fchmod does not take an O_PATH descriptor; its /proc/self/fd entry is the
            // directory itself (never a symlink's target).
            let via = format!("/proc/self/fd/{fd}");
            let changed = std::ffi::CString::new(via)
                // SAFETY: a valid NUL-terminated path; chmod has no other preconditions.
                .map(|v| unsafe { libc::chmod(v.as_ptr(), 0o700) } == 0)
                .unwrap_or(false);
            // SAFETY: `fd` is ours and closed once.
            unsafe { libc::close(fd) };
            if !changed {
                continue;
            }
            let Ok(entries) = fs::read_dir(&d) else {
                continue;
            };
            for e in entries.flatten() {
                if e.file_type().is_ok_and(|t| t.is_dir()) {
                    stack.push(e.path());
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
    }
}

/// Where run directories go, best first: `$XDG_RUNTIME_DIR` (a per-user tmpfs under systemd)
/// when it is a private directory of ours, else `/dev/shm` (RAM), else the temp dir. The shared
/// places hold each run's directory directly, under a name nobody can predict.
pub(crate) fn private_bases() -> Vec<PathBuf> {
    // On Windows the user's own temp dir only: `/dev/shm` would be `\dev\shm` on the current
    // drive, which any user may create (and Wine maps to the Unix one).
    if cfg!(windows) {
        return vec![std::env::temp_dir()];
    }
    if let Some(r) = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|r| owned_private_dir(r))
    {
        return vec![r];
    }
    vec![PathBuf::from("/dev/shm"), std::env::temp_dir()]
}

/// The per-user directory earlier versions kept their run directories in (`simcred-<uid>` in
/// `/dev/shm` or the temp dir), still searched for stale runs when it is ours.
fn legacy_roots() -> Vec<PathBuf> {
    #[cfg(unix)]
    // SAFETY: geteuid has no preconditions and cannot fail.
    let uid = unsafe { libc::geteuid() };
    #[cfg(not(unix))]
    let uid = 0;
    [PathBuf::from("/dev/shm"), std::env::temp_dir()]
        .into_iter()
        .map(|b| b.join(format!("simcred-{uid}")))
        .filter(|d| owned_private_dir(d))
        .collect()
}

/// A directory (not a symlink) owned by us, with no access for group or others.
pub(crate) fn owned_private_dir(d: &Path) -> bool {
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

/// A run directory whose SimCred process is gone (killed before it could clean up).
pub struct Stale {
    pub dir: PathBuf,
    /// The run's child, when it is still running (its files are still in use).
    pub child_running: Option<i32>,
}

/// The run directories of this user (in the places this environment uses) whose SimCred
/// process is gone.
pub fn stale_dirs() -> Vec<Stale> {
    let mut out = Vec::new();
    let mut roots = private_bases();
    if roots.len() > 1 {
        // Earlier versions used `simcred-<uid>` there when $XDG_RUNTIME_DIR was not theirs.
        roots.extend(legacy_roots());
    }
    for root in roots {
        let Ok(entries) = fs::read_dir(&root) else {
            continue;
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
            // Only our own directories (in a shared place, others' too are listed).
            if alive(pid) || !owned_private_dir(&e.path()) {
                continue;
            }
            let child_running = fs::read_to_string(e.path().join(CHILD_PID))
                .ok()
                .and_then(|t| t.trim().parse::<i32>().ok())
                .filter(|c| *c > 0 && alive(*c));
            out.push(Stale {
                dir: e.path(),
                child_running,
            });
        }
    }
    out
}

/// Whether process `pid` exists and has not ended (a zombie waiting to be reaped has ended).
fn alive(pid: i32) -> bool {
    #[cfg(unix)]
    {
        // SAFETY: kill with signal 0 only checks that the process exists.
        let r = unsafe { libc::kill(pid, 0) };
        let exists = r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
        // /proc/PID/stat: "PID (COMM) STATE ..."; COMM may hold spaces and parentheses.
        let zombie = fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|st| {
                st.rfind(')')
                    .map(|i| st[i + 1..].trim_start().starts_with('Z'))
            })
            .unwrap_or(false);
        exists && !zombie
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}
