//! Reading and writing the vendors' files (and other files named by the user) without being
//! fooled by what is at the path.
//!
//! SimCred reads and writes only regular files: a FIFO would make a read or an export hang, a
//! device (`/dev/zero`) would be read until memory runs out, and replacing a symlinked device
//! with a file would destroy it. Reads open the file without blocking (`O_NONBLOCK`, so a FIFO
//! with no writer never stalls), check what was opened with `fstat`, and stop at a size cap.
//! Writes go through [`crate::atomic::write_atomic`], which refuses a target that exists and is
//! not a regular file. A symlink to a regular file (a dotfiles checkout) keeps working.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest vendor file SimCred reads: 1 MiB (real ones are a few hundred bytes).
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Why a file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The path is (or links to) a FIFO, device, directory or socket.
    #[error("{}{} is {kind}, not a regular file; SimCred reads and writes only regular files and left it alone", path.display(), linked(target))]
    NotRegular {
        path: PathBuf,
        /// Where `path` links to, when it is a symlink.
        target: Option<PathBuf>,
        kind: &'static str,
    },
    /// The file is larger than the cap.
    #[error("{} is larger than {} KiB, far more than a credential file holds; SimCred did not read it", path.display(), limit / 1024)]
    TooLarge { path: PathBuf, limit: u64 },
    /// The file is not UTF-8 text.
    #[error("{} is not a text file (not UTF-8); SimCred left it unchanged", path.display())]
    NotText { path: PathBuf },
    /// The operating system refused (permissions, a missing directory, ...).
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        path: PathBuf,
        action: &'static str,
        source: std::io::Error,
    },
}

fn linked(target: &Option<PathBuf>) -> String {
    target
        .as_ref()
        .map(|t| format!(" (a link to {})", t.display()))
        .unwrap_or_default()
}

/// The refusal for `path`, naming where it links to when it is a symlink.
fn not_regular(path: &Path, kind: &'static str) -> FileError {
    FileError::NotRegular {
        path: path.to_path_buf(),
        target: symlink_target(path).ok().flatten(),
        kind,
    }
}

pub use crate::atomic::non_regular_kind;

/// The error for a path that is not a regular file, when it is not; `Ok` when it is (or when
/// nothing is there).
pub fn ensure_regular_or_absent(path: &Path) -> Result<(), FileError> {
    match std::fs::metadata(path) {
        Ok(m) => match non_regular_kind(&m) {
            Some(kind) => Err(not_regular(path, kind)),
            None => Ok(()),
        },
        Err(_) => Ok(()),
    }
}

/// Opens `path` for reading without blocking on a FIFO and without a controlling terminal.
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    let mut o = std::fs::OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    o.open(path)
}

/// Reads a regular file of at most `cap` bytes (symlinks to one are followed). `Ok(None)` when
/// nothing is at `path`.
pub fn read_bytes_capped(path: &Path, cap: u64) -> Result<Option<Vec<u8>>, FileError> {
    // Look before opening: opening some devices has effects of its own.
    match std::fs::metadata(path) {
        Ok(m) => {
            if let Some(kind) = non_regular_kind(&m) {
                return Err(not_regular(path, kind));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(FileError::Io {
                path: path.to_path_buf(),
                action: "read",
                source,
            })
        }
    }
    let io = |source| FileError::Io {
        path: path.to_path_buf(),
        action: "read",
        source,
    };
    let file = match open_nonblocking(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    // What was opened may differ from what was looked at (a race); judge the open file.
    let m = file.metadata().map_err(io)?;
    if let Some(kind) = non_regular_kind(&m) {
        return Err(not_regular(path, kind));
    }
    let too_large = || FileError::TooLarge {
        path: path.to_path_buf(),
        limit: cap,
    };
    if m.len() > cap {
        return Err(too_large());
    }
    let mut buf = Vec::new();
    file.take(cap.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(io)?;
    if buf.len() as u64 > cap {
        return Err(too_large());
    }
    Ok(Some(buf))
}

/// Reads a regular UTF-8 text file of at most [`MAX_FILE_BYTES`]; `Ok(None)` when nothing is
/// at `path`.
pub fn read_text(path: &Path) -> Result<Option<String>, FileError> {
    match read_bytes_capped(path, MAX_FILE_BYTES)? {
        None => Ok(None),
        Some(b) => String::from_utf8(b)
            .map(Some)
            .map_err(|_| FileError::NotText {
                path: path.to_path_buf(),
            }),
    }
}

/// Writes `bytes` to `path` atomically (see [`crate::atomic::write_atomic`]), refusing a
/// target that is not a regular file.
pub fn write_file(path: &Path, bytes: &[u8], private: bool) -> Result<(), FileError> {
    crate::atomic::write_atomic(path, bytes, private).map_err(|e| {
        match e
            .get_ref()
            .and_then(|i| i.downcast_ref::<crate::atomic::NotRegular>())
        {
            Some(n) => not_regular(path, n.kind),
            None => FileError::Io {
                path: path.to_path_buf(),
                action: "write",
                source: e,
            },
        }
    })
}

/// Where a symlink finally points (absolute), or `None` when `path` is not a symlink.
pub fn symlink_target(path: &Path) -> Result<Option<PathBuf>, FileError> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            std::fs::canonicalize(path)
                .map(Some)
                .map_err(|source| FileError::Io {
                    path: path.to_path_buf(),
                    action: "follow the link",
                    source,
                })
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(unix)]
    use std::time::{Duration, Instant};

    #[test]
    fn reads_small_regular_files_and_missing_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        assert!(read_text(&p).unwrap().is_none());
        std::fs::write(&p, "hello").unwrap();
        assert_eq!(read_text(&p).unwrap().as_deref(), Some("hello"));
    }

    #[test]
    fn refuses_oversize_and_non_text() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big");
        std::fs::write(&p, vec![b'a'; 11]).unwrap();
        let e = read_bytes_capped(&p, 10).unwrap_err();
        assert!(matches!(e, FileError::TooLarge { .. }), "{e}");
        assert!(read_bytes_capped(&p, 11).unwrap().is_some());
        std::fs::write(&p, [0xff, 0xfe, 0x00]).unwrap();
        assert!(matches!(read_text(&p), Err(FileError::NotText { .. })));
    }

    #[test]
    fn refuses_directories() {
        let dir = tempfile::tempdir().unwrap();
        let e = read_text(dir.path()).unwrap_err();
        assert!(
            e.to_string().contains("is a directory, not a regular file"),
            "{e}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn refuses_devices_and_fifos_without_blocking() {
        let e = read_text(Path::new("/dev/zero")).unwrap_err();
        assert!(e.to_string().contains("is a device"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("api.key");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        assert!(matches!(
            read_text(&link),
            Err(FileError::NotRegular { .. })
        ));

        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let start = Instant::now();
        let e = read_text(&fifo).unwrap_err();
        assert!(e.to_string().contains("FIFO"), "{e}");
        assert!(start.elapsed() < Duration::from_secs(5));
    }

    #[cfg(unix)]
    #[test]
    fn write_refuses_a_symlinked_device_and_keeps_regular_links() {
        let dir = tempfile::tempdir().unwrap();
        let Some(dev) = crate::atomic::scratch_device(dir.path()) else {
            return;
        };
        let link = dir.path().join("api.key");
        std::os::unix::fs::symlink(&dev, &link).unwrap();
        let e = write_file(&link, b"secret", true).unwrap_err();
        assert!(e.to_string().contains(&*dev.to_string_lossy()), "{e}");
        assert!(e.to_string().contains("not a regular file"), "{e}");
        assert!(std::fs::metadata(&dev)
            .map(|m| non_regular_kind(&m).is_some())
            .unwrap());

        let real = dir.path().join("real");
        std::fs::write(&real, "old").unwrap();
        let link2 = dir.path().join("link2");
        std::os::unix::fs::symlink(&real, &link2).unwrap();
        write_file(&link2, b"new", true).unwrap();
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
        assert_eq!(
            symlink_target(&link2).unwrap(),
            Some(real.canonicalize().unwrap())
        );
        assert_eq!(symlink_target(&real).unwrap(), None);
    }
}
