//! The text of one file, read once for as long as the file stays the same: a command asks for
//! `profiles.toml` several times (the keyring namespace, the profile, the store it lives in),
//! and each ask after the first costs a `stat` instead of an open, a read and a copy.
//!
//! "The same" is the file's identity and its last change as the OS reports them (device and
//! inode on Unix, length, modification time). SimCred's own writes are atomic renames, which
//! make a new inode, so they are always seen; [`Snapshot::forget`] is called after them anyway.
//! The stamp is taken before the read, so a change between the two makes the next ask read again.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// What identifies one version of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    dev: u64,
    ino: u64,
    len: u64,
    modified: Option<SystemTime>,
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Stamp {
        #[cfg(unix)]
        let (dev, ino) = {
            use std::os::unix::fs::MetadataExt;
            (meta.dev(), meta.ino())
        };
        #[cfg(not(unix))]
        let (dev, ino) = (0, 0);
        Stamp {
            dev,
            ino,
            len: meta.len(),
            modified: meta.modified().ok(),
        }
    }
}

/// A shared, clonable cache of one file's text (clones share what was read).
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    seen: Arc<Mutex<Option<(Stamp, String)>>>,
    reads: Arc<AtomicUsize>,
}

impl Snapshot {
    /// The file's text: the one read before when the file has not changed since, else what
    /// `read` returns (which is kept). `Ok(None)` when there is no file (nothing is kept).
    pub fn text<E>(
        &self,
        path: &Path,
        read: impl FnOnce() -> Result<Option<String>, E>,
    ) -> Result<Option<String>, E> {
        let stamp = std::fs::metadata(path).ok().map(|m| Stamp::of(&m));
        if let (Some(stamp), Ok(seen)) = (&stamp, self.seen.lock()) {
            if let Some((s, text)) = seen.as_ref() {
                if s == stamp {
                    return Ok(Some(text.clone()));
                }
            }
        }
        self.reads.fetch_add(1, Ordering::Relaxed);
        let text = read()?;
        if let Ok(mut seen) = self.seen.lock() {
            *seen = match (stamp, &text) {
                (Some(stamp), Some(t)) => Some((stamp, t.clone())),
                _ => None,
            };
        }
        Ok(text)
    }

    /// How many times the file was read through this snapshot and its clones.
    pub fn reads(&self) -> usize {
        self.reads.load(Ordering::Relaxed)
    }

    /// Drops what was read (after a write).
    pub fn forget(&self) {
        if let Ok(mut seen) = self.seen.lock() {
            *seen = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn read_counting(path: &Path, n: &Cell<u32>) -> std::io::Result<Option<String>> {
        n.set(n.get() + 1);
        std::fs::read_to_string(path).map(Some)
    }

    #[test]
    fn a_file_is_read_once_while_it_stays_the_same_and_again_when_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("profiles.toml");
        std::fs::write(&path, "a = 1\n").unwrap();
        let snap = Snapshot::default();
        let twin = snap.clone();
        let n = Cell::new(0);
        for s in [&snap, &twin, &snap] {
            let t = s.text(&path, || read_counting(&path, &n)).unwrap();
            assert_eq!(t.as_deref(), Some("a = 1\n"));
        }
        assert_eq!(n.get(), 1, "clones share the one read");
        assert_eq!(twin.reads(), 1);

        // Replaced as SimCred writes (a rename: a new inode), even with the same length.
        let tmp = dir.path().join("new");
        std::fs::write(&tmp, "a = 2\n").unwrap();
        std::fs::rename(&tmp, &path).unwrap();
        let t = snap.text(&path, || read_counting(&path, &n)).unwrap();
        assert_eq!(t.as_deref(), Some("a = 2\n"));
        assert_eq!(n.get(), 2);

        // Edited in place to another length; then gone.
        std::fs::write(&path, "a = 300\n").unwrap();
        let t = snap.text(&path, || read_counting(&path, &n)).unwrap();
        assert_eq!(t.as_deref(), Some("a = 300\n"));
        std::fs::remove_file(&path).unwrap();
        let t = snap.text(&path, || Ok::<_, std::io::Error>(None)).unwrap();
        assert_eq!(t, None);

        snap.forget();
        std::fs::write(&path, "b = 1\n").unwrap();
        let t = snap.text(&path, || read_counting(&path, &n)).unwrap();
        assert_eq!(t.as_deref(), Some("b = 1\n"));
    }
}
