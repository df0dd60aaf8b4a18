//! Atomic, durable file writes: a temp file in the same directory, fsync, then rename.
//!
//! An interrupted write leaves the old file as it was. Files holding secrets are created with
//! mode 0600 before any byte is written. Only regular files are replaced: a target that is (or
//! links to) a FIFO, device, directory or socket is refused with [`NotRegular`], so a symlink to
//! `/dev/sda` is never turned into a file.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The refusal [`write_atomic`] returns (inside an `io::Error` of kind `InvalidInput`) when the
/// target exists and is not a regular file.
#[derive(Debug)]
pub struct NotRegular {
    /// The target after following symlinks.
    pub path: PathBuf,
    /// What it is: "a FIFO (named pipe)", "a device", "a directory", ...
    pub kind: &'static str,
}

impl std::fmt::Display for NotRegular {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} is {}, not a regular file; SimCred writes only regular files",
            self.path.display(),
            self.kind
        )
    }
}

impl std::error::Error for NotRegular {}

/// Refuses a target that exists and is not a regular file (symlinks already followed).
fn refuse_non_regular(path: &Path) -> io::Result<()> {
    match fs::metadata(path) {
        Ok(m) => match non_regular_kind(&m) {
            Some(kind) => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                NotRegular {
                    path: path.to_path_buf(),
                    kind,
                },
            )),
            None => Ok(()),
        },
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Writes `bytes` to `path` atomically. With `private`, the file gets mode 0600 (Unix); without
/// it, an existing file's permissions are kept (new files get 0644 less the umask).
///
/// A symlink is written through (a dotfiles checkout, say) instead of being replaced; a dangling
/// one is refused. A target that is not a regular file is refused with [`NotRegular`].
pub fn write_atomic(path: &Path, bytes: &[u8], private: bool) -> io::Result<()> {
    let resolved;
    let path = if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        resolved = fs::canonicalize(path).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("it is a symbolic link SimCred cannot follow ({e}); SimCred does not create files through a dangling link"),
            )
        })?;
        resolved.as_path()
    } else {
        path
    };
    refuse_non_regular(path)?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".simcred-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if private {
            0o600
        } else {
            fs::metadata(path)
                .map(|m| m.permissions().mode() & 0o777)
                .unwrap_or(0o644)
        };
        tmp.as_file()
            .set_permissions(fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = private;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// A person's word for what a non-regular file is ("a FIFO", "a device", ...); `None` for a
/// regular file.
pub fn non_regular_kind(m: &fs::Metadata) -> Option<&'static str> {
    let t = m.file_type();
    if t.is_file() {
        return None;
    }
    if t.is_dir() {
        return Some("a directory");
    }
    if t.is_symlink() {
        return Some("a symbolic link");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if t.is_char_device() || t.is_block_device() {
            return Some("a device");
        }
        if t.is_socket() {
            return Some("a socket");
        }
    }
    Some("not a regular file")
}

/// A character device for tests to aim at: a private copy of the null device (1, 3) made in
/// `dir` when the test may create device nodes, else `/dev/null` itself when not running as
/// root (then a regression cannot replace it either); `None` for root without `mknod`. So a
/// regression never replaces the system's `/dev/null`.
#[cfg(all(test, unix))]
pub(crate) fn scratch_device(dir: &Path) -> Option<PathBuf> {
    let p = dir.join("null-device");
    let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).ok()?;
    // SAFETY: `c` is a valid NUL-terminated path; mknod has no other preconditions.
    let made = unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) };
    // SAFETY: geteuid cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    match (made == 0, root) {
        (true, _) => Some(p),
        (false, false) => Some(PathBuf::from("/dev/null")),
        (false, true) => {
            eprintln!("NOTE: root without mknod: skipping the write-to-a-device check rather than risk /dev/null");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_content_and_sets_private_mode() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/secret.txt");
        write_atomic(&p, b"one", true).unwrap();
        write_atomic(&p, b"two", true).unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        // No temp files left behind.
        assert_eq!(fs::read_dir(p.parent().unwrap()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn writes_through_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.ini");
        let link = dir.path().join("link.ini");
        fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomic(&link, b"new", true).unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read_to_string(&real).unwrap(), "new");
    }

    #[cfg(unix)]
    #[test]
    fn refuses_devices_fifos_and_directories() {
        let dir = tempfile::tempdir().unwrap();
        let Some(dev) = scratch_device(dir.path()) else {
            return;
        };
        let link = dir.path().join("api.key");
        std::os::unix::fs::symlink(&dev, &link).unwrap();
        let e = write_atomic(&link, b"secret", true).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert!(
            e.to_string()
                .contains(&format!("{} is a device", dev.display())),
            "{e}"
        );
        // Neither the link nor the device was replaced.
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        use std::os::unix::fs::FileTypeExt;
        assert!(fs::metadata(&dev).unwrap().file_type().is_char_device());

        let sub = dir.path().join("sub");
        fs::create_dir(&sub).unwrap();
        assert!(write_atomic(&sub, b"x", true).is_err());
        assert!(sub.is_dir());
        // Only the link, the directory (and the scratch device): no temp files left behind.
        let expected = if dev.starts_with(dir.path()) { 3 } else { 2 };
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), expected);

        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = write_atomic(&fifo, b"x", true).unwrap_err();
        assert!(e.to_string().contains("FIFO"), "{e}");
        assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    }
}
