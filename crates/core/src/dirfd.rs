//! A directory opened through its descriptor ([`Dir`]), so that changes to its entries
//! (`unlinkat`, `renameat`, `openat`, `symlinkat`) never follow a symlink put in its place or at
//! the file, and a directory's identity ([`dir_id`]) to check it is still the one it was.
//! Aftercare puts the vendors' files back through it.

use std::fs;
use std::path::Path;
#[cfg(not(unix))]
use std::path::PathBuf;

/// A directory's identity (device, inode), following symlinks (a dotfiles link is the user's).
pub(crate) fn dir_id(d: &Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        fs::metadata(d)
            .ok()
            .filter(|m| m.is_dir())
            .map(|m| (m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        fs::metadata(d).ok().filter(|m| m.is_dir()).map(|_| (0, 0))
    }
}

/// A directory opened as itself (`O_NOFOLLOW`): changes go through its descriptor
/// (`unlinkat`, `renameat`), so a symlink put in its place or at the file is never followed.
pub(crate) struct Dir {
    #[cfg(unix)]
    fd: std::os::fd::OwnedFd,
    #[cfg(not(unix))]
    path: PathBuf,
}

#[cfg(unix)]
fn cstr(p: &std::ffi::OsStr) -> std::io::Result<std::ffi::CString> {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::CString::new(p.as_bytes())
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "a NUL in the path"))
}

#[cfg(unix)]
fn check(r: libc::c_int) -> std::io::Result<libc::c_int> {
    if r < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

impl Dir {
    /// Opens `path` as the directory `id` (device, inode) it was before the run; with no `id`
    /// (it was made during the run) only a real directory, not a symlink, is opened.
    #[cfg(unix)]
    pub(crate) fn open(path: &Path, id: Option<(u64, u64)>) -> std::io::Result<Dir> {
        use std::os::fd::FromRawFd;
        use std::os::unix::fs::MetadataExt;
        let c = cstr(path.as_os_str())?;
        let nofollow = if id.is_none() { libc::O_NOFOLLOW } else { 0 };
        // SAFETY: a valid NUL-terminated path; the descriptor is owned from here on.
        let fd = check(unsafe {
            libc::open(
                c.as_ptr(),
                libc::O_RDONLY | libc::O_DIRECTORY | nofollow | libc::O_CLOEXEC,
            )
        })?;
        // SAFETY: `fd` was just opened and is not owned elsewhere.
        let d = Dir {
            fd: unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) },
        };
        if let Some(want) = id {
            let f = fs::File::from(d.fd.try_clone()?);
            let m = f.metadata()?;
            if (m.dev(), m.ino()) != want {
                return Err(std::io::Error::other(
                    "it was replaced by another directory during the run",
                ));
            }
        }
        Ok(d)
    }

    #[cfg(unix)]
    fn raw(&self) -> libc::c_int {
        use std::os::fd::AsRawFd;
        self.fd.as_raw_fd()
    }

    #[cfg(unix)]
    pub(crate) fn unlink(&self, name: &std::ffi::OsStr) -> std::io::Result<()> {
        let c = cstr(name)?;
        // SAFETY: a valid descriptor and NUL-terminated name; unlinkat never follows a link.
        check(unsafe { libc::unlinkat(self.raw(), c.as_ptr(), 0) }).map(|_| ())
    }

    /// A fresh name in the directory for a temp entry.
    #[cfg(unix)]
    fn temp_name(name: &std::ffi::OsStr) -> std::ffi::OsString {
        let mut t = std::ffi::OsString::from(".simcred-restore-");
        t.push(name);
        t.push(format!(".{}", std::process::id()));
        t
    }

    #[cfg(unix)]
    fn rename_into(&self, tmp: &std::ffi::CStr, name: &std::ffi::OsStr) -> std::io::Result<()> {
        let to = cstr(name)?;
        // SAFETY: valid descriptor and names; renameat replaces `to` itself, link or not.
        let r = check(unsafe { libc::renameat(self.raw(), tmp.as_ptr(), self.raw(), to.as_ptr()) });
        if r.is_err() {
            // SAFETY: as above; removes the temp entry we made.
            unsafe { libc::unlinkat(self.raw(), tmp.as_ptr(), 0) };
        }
        r.map(|_| ())
    }

    /// Replaces `name` with a regular file holding `bytes` with `mode`, atomically.
    #[cfg(unix)]
    pub(crate) fn replace_with_file(
        &self,
        name: &std::ffi::OsStr,
        bytes: &[u8],
        mode: u32,
    ) -> std::io::Result<()> {
        use std::io::Write;
        use std::os::fd::FromRawFd;
        let tmp = cstr(&Self::temp_name(name))?;
        // SAFETY: as above; a leftover temp entry of ours is removed first.
        unsafe { libc::unlinkat(self.raw(), tmp.as_ptr(), 0) };
        // SAFETY: valid descriptor and name; O_EXCL|O_NOFOLLOW creates a new file or fails.
        let fd = check(unsafe {
            libc::openat(
                self.raw(),
                tmp.as_ptr(),
                libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW | libc::O_CLOEXEC,
                0o600 as libc::c_uint,
            )
        })?;
        // SAFETY: `fd` was just opened and is owned by the File from here on.
        let mut f = unsafe { fs::File::from_raw_fd(fd) };
        let written = (|| {
            use std::os::unix::fs::PermissionsExt;
            f.write_all(bytes)?;
            f.set_permissions(fs::Permissions::from_mode(mode & 0o7777))?;
            f.sync_all()
        })();
        drop(f);
        if let Err(e) = written {
            // SAFETY: as above.
            unsafe { libc::unlinkat(self.raw(), tmp.as_ptr(), 0) };
            return Err(e);
        }
        self.rename_into(&tmp, name)?;
        // SAFETY: a valid descriptor.
        unsafe { libc::fsync(self.raw()) };
        Ok(())
    }

    /// Replaces `name` with a symlink to `target`, atomically.
    #[cfg(unix)]
    pub(crate) fn replace_with_link(
        &self,
        name: &std::ffi::OsStr,
        target: &Path,
    ) -> std::io::Result<()> {
        let tmp = cstr(&Self::temp_name(name))?;
        let t = cstr(target.as_os_str())?;
        // SAFETY: as above.
        unsafe { libc::unlinkat(self.raw(), tmp.as_ptr(), 0) };
        // SAFETY: valid names and descriptor.
        check(unsafe { libc::symlinkat(t.as_ptr(), self.raw(), tmp.as_ptr()) })?;
        self.rename_into(&tmp, name)
    }

    #[cfg(not(unix))]
    pub(crate) fn open(path: &Path, _id: Option<(u64, u64)>) -> std::io::Result<Dir> {
        if fs::symlink_metadata(path)?.is_dir() {
            Ok(Dir {
                path: path.to_path_buf(),
            })
        } else {
            Err(std::io::Error::other("not a directory"))
        }
    }

    #[cfg(not(unix))]
    pub(crate) fn unlink(&self, name: &std::ffi::OsStr) -> std::io::Result<()> {
        fs::remove_file(self.path.join(name))
    }

    #[cfg(not(unix))]
    pub(crate) fn replace_with_file(
        &self,
        name: &std::ffi::OsStr,
        bytes: &[u8],
        _mode: u32,
    ) -> std::io::Result<()> {
        crate::atomic::write_atomic(&self.path.join(name), bytes, false)
    }

    #[cfg(not(unix))]
    pub(crate) fn replace_with_link(
        &self,
        _name: &std::ffi::OsStr,
        _target: &Path,
    ) -> std::io::Result<()> {
        Err(std::io::Error::other("cannot restore a link here"))
    }
}
