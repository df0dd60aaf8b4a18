//! Aftercare: keeping the vendors' own credential files as they were across a `simcred run`.
//!
//! Some vendor clients write the key they were handed to a plaintext file on their own (the
//! Modelon client with `interactive=True` writes `~/.impact/api.key`, 0644). Before the child
//! starts, [`Aftercare::begin`] notes what each watched file holds (its bytes and mode, the
//! target of a symlink, or that nothing is there) in a journal in the run's private hand-over
//! directory (0600, RAM-backed). After the child ends, [`Aftercare::finish`] compares: a file
//! the run changed is removed (if it was not there) or put back byte for byte (if it was),
//! atomically, through its directory's descriptor so that no symlink is followed, and the
//! [`Report`] says so in one sentence per file.
//!
//! Which change is undone is the watch's [`Policy`]: any change, for a file that holds nothing
//! but a key (a key typed at the client's prompt is a plaintext key too), or only a change that
//! puts the profile's secret there, for the user's own file with other entries.
//!
//! A run whose SimCred was killed leaves its journal: [`recover`] (called by the next `run`
//! and by `audit`) finds it, reads the profile's key from the keyring, and undoes what holds it
//! (it cannot tell a change made during the run from one made after, so it goes by the key).

use crate::ctx::Ctx;
use crate::dirfd::{dir_id, Dir};
use crate::error::{Error, Result};
pub use crate::run_files::{Policy, Watch};
use crate::secret::Secret;
use serde::{Deserialize, Serialize};
use std::fs;
use std::path::{Path, PathBuf};

/// The journal's name in the run directory.
const JOURNAL: &str = "aftercare.json";
/// Symlinks followed from a watched path to the file a client would write.
const MAX_LINKS: usize = 8;

/// What was at a path (never following a symlink there).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum State {
    Absent,
    File {
        /// The content, hex-encoded.
        hex: String,
        mode: u32,
    },
    Link {
        target: PathBuf,
    },
    /// A directory, FIFO, device or an oversized file: never read, never replaced.
    Other,
}

impl State {
    fn bytes(&self) -> Option<Vec<u8>> {
        match self {
            State::File { hex, .. } => from_hex(hex),
            _ => None,
        }
    }

    fn holds(&self, secret: &Secret) -> bool {
        let needle = secret.expose().as_bytes();
        !needle.is_empty()
            && self
                .bytes()
                .is_some_and(|b| b.windows(needle.len()).any(|w| w == needle))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    path: PathBuf,
    policy: Policy,
    before: State,
    /// Directories above `path` that were not there before the run (nearest first), removed
    /// again when they are empty after `path` was.
    made: Vec<PathBuf>,
    /// The directory holding `path` before the run (device, inode), when it was there: it is
    /// changed only while it is still that directory.
    parent: Option<(u64, u64)>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Journal {
    version: u32,
    /// The profiles directory of the SimCred that wrote it (another one's runs are left alone).
    config: PathBuf,
    profile: String,
    key: String,
    entries: Vec<Entry>,
}

/// What aftercare did (notes) and what it could not do (problems), as sentences for the user.
#[derive(Debug, Default)]
pub struct Report {
    pub notes: Vec<String>,
    pub problems: Vec<String>,
}

impl Report {
    fn extend(&mut self, other: Report) {
        self.notes.extend(other.notes);
        self.problems.extend(other.problems);
    }
}

/// The watch over one run's vendor files.
pub struct Aftercare {
    dir: PathBuf,
    journal: Journal,
    secret: Secret,
}

impl Aftercare {
    /// Notes what each watched file holds now and writes the journal into `dir` (the run's
    /// private directory) before the child starts.
    pub fn begin(
        dir: &Path,
        config: &Path,
        profile: &str,
        key: &str,
        secret: Secret,
        watches: &[Watch],
    ) -> Result<Aftercare> {
        let mut entries = Vec::new();
        for w in watches {
            let mut path = w.path.clone();
            for _ in 0..MAX_LINKS {
                let before = state_of(&path);
                let made = match before {
                    State::Absent => missing_parents(&path),
                    _ => Vec::new(),
                };
                let next = match &before {
                    // A client's open() writes through the link: watch where it points too.
                    State::Link { target } => path.parent().map(|p| p.join(target)),
                    _ => None,
                };
                entries.push(Entry {
                    parent: path.parent().and_then(dir_id),
                    path: path.clone(),
                    policy: w.policy,
                    before,
                    made,
                });
                match next {
                    Some(n) => path = n,
                    None => break,
                }
            }
        }
        let a = Aftercare {
            dir: dir.to_path_buf(),
            journal: Journal {
                version: 1,
                config: config.to_path_buf(),
                profile: profile.to_string(),
                key: key.to_string(),
                entries,
            },
            secret,
        };
        let text = serde_json::to_vec(&a.journal).map_err(|e| {
            Error::Io(format!(
                "cannot note the vendor's files before the run ({e}); is a path not UTF-8?"
            ))
        })?;
        crate::fsio::write_file(&dir.join(JOURNAL), &text, true)
            .map_err(|e| Error::Io(e.to_string()))?;
        Ok(a)
    }

    /// After the child ended: undoes what the run changed (see [`Policy`]), then drops the
    /// journal.
    pub fn finish(self) -> Report {
        let r = settle(&self.journal, &self.secret, false);
        if r.problems.is_empty() {
            let _ = fs::remove_file(self.dir.join(JOURNAL));
        }
        r
    }
}

/// Undoes, for each entry of `j`, what the run changed. `stale`: the run's SimCred was killed,
/// so only a change that holds the secret is undone (it may have been made after the run).
fn settle(j: &Journal, secret: &Secret, stale: bool) -> Report {
    let mut r = Report::default();
    let when = if stale {
        format!(
            "after a `simcred run {}` whose SimCred was stopped",
            crate::text::safe(&j.profile)
        )
    } else {
        "during the run".to_string()
    };
    for e in &j.entries {
        let now = state_of(&e.path);
        if now == e.before {
            continue;
        }
        let holds = now.holds(secret);
        let undo = match (stale, e.policy) {
            (true, _) | (false, Policy::IfSecret) => holds,
            (false, Policy::AnyChange) => true,
        };
        let shown = e.path.display();
        if !undo {
            if stale {
                r.notes.push(format!(
                    "{shown} changed {when}, but it does not hold the profile's key, so SimCred left it as it is"
                ));
            }
            continue;
        }
        let profile = crate::text::safe(&j.profile);
        let (what, advice) = if holds {
            (format!("the key of {profile}"), String::new())
        } else if matches!(now, State::File { .. }) {
            // A key typed at the client's prompt after the profile's was refused, most likely.
            (
                "another key (typed at a prompt?)".to_string(),
                format!(
                    "; if it is {profile}'s new key, store it with `simcred key replace {profile}`"
                ),
            )
        } else {
            ("a change".to_string(), String::new())
        };
        match undo_change(e, &now) {
            Ok(done) => r.notes.push(format!(
                "the command wrote {what} to {shown} {when}; SimCred {done}{advice}"
            )),
            Err(why) => r.problems.push(format!(
                "the command wrote {what} to {shown} {when}, and SimCred could not undo it: {why}"
            )),
        }
    }
    r
}

/// Puts `e.path` back the way it was; says what it did.
fn undo_change(e: &Entry, now: &State) -> std::result::Result<String, String> {
    let (Some(parent), Some(name)) = (e.path.parent(), e.path.file_name()) else {
        return Err("it has no directory".into());
    };
    let dir = Dir::open(parent, e.parent).map_err(|err| {
        format!(
            "its directory {} cannot be opened as the directory it was ({err})",
            parent.display()
        )
    })?;
    match &e.before {
        State::Absent => {
            if matches!(now, State::Other) {
                return Err("it is now a directory or a special file; SimCred left it".into());
            }
            dir.unlink(name).map_err(|err| err.to_string())?;
            drop(dir);
            for d in &e.made {
                // Only what is still an empty real directory goes.
                if fs::symlink_metadata(d).is_ok_and(|m| m.is_dir()) && fs::remove_dir(d).is_err() {
                    break;
                }
            }
            Ok("removed it (it was not there before the run)".into())
        }
        State::File { mode, .. } => {
            let bytes = e.before.bytes().ok_or("the journal is damaged")?;
            dir.replace_with_file(name, &bytes, *mode)
                .map_err(|err| err.to_string())?;
            Ok("put back what it held before the run".into())
        }
        State::Link { target } => {
            dir.replace_with_link(name, target)
                .map_err(|err| err.to_string())?;
            Ok(format!(
                "put back the link to {} it was before the run",
                target.display()
            ))
        }
        State::Other => Err("it was not a regular file before the run".into()),
    }
}

/// After killed runs: for each stale run directory of this user, undoes what its journal says
/// the run may have left (going by the profile's key, read from the keyring), then removes the
/// directory. Called by `run` before it starts and by `audit`.
pub fn recover(ctx: &Ctx<'_>) -> Report {
    let mut r = Report::default();
    for s in crate::run_dirs::stale_dirs() {
        let shown = s.dir.display();
        if let Some(pid) = s.child_running {
            r.notes.push(format!(
                "the command of a `simcred run` whose SimCred was stopped is still running (process {pid}); its private directory {shown} stays until it ends"
            ));
            continue;
        }
        let journal = s.dir.join(JOURNAL);
        if let Ok(Some(bytes)) =
            crate::fsio::read_bytes_capped(&journal, crate::fsio::MAX_FILE_BYTES)
        {
            match serde_json::from_slice::<Journal>(&bytes) {
                Ok(j) if j.config != ctx.config().dir() => continue, // another SimCred's run
                Ok(j) => match ctx.get_key(&j.profile, Some(&j.key)) {
                    Ok((_, secret)) => r.extend(settle(&j, &secret, true)),
                    Err(e) => r.problems.push(format!(
                        "a `simcred run {}` was stopped before it could check {}; SimCred cannot read the profile's key to compare ({e}), so it left {} as {} is",
                        crate::text::safe(&j.profile),
                        files_of(&j),
                        if j.entries.len() == 1 { "it" } else { "they" },
                        if j.entries.len() == 1 { "it" } else { "they" },
                    )),
                },
                Err(e) => r.problems.push(format!(
                    "the journal {} of a stopped run cannot be read ({e}); SimCred removed it",
                    journal.display()
                )),
            }
        }
        match crate::run_dirs::remove_dir(&s.dir) {
            Ok(()) => r.notes.push(format!(
                "removed the private hand-over directory {shown} of a `simcred run` whose SimCred was stopped"
            )),
            Err(e) => r.problems.push(e.to_string()),
        }
    }
    r
}

fn files_of(j: &Journal) -> String {
    j.entries
        .iter()
        .map(|e| e.path.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The directories above `path` that do not exist (nearest first), at most a few.
fn missing_parents(path: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut p = path.parent();
    while let Some(d) = p {
        if d.as_os_str().is_empty() || fs::symlink_metadata(d).is_ok() || out.len() >= 4 {
            break;
        }
        out.push(d.to_path_buf());
        p = d.parent();
    }
    out
}

/// What is at `path`, without following a symlink there.
fn state_of(path: &Path) -> State {
    let m = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return State::Absent,
        Err(_) => return State::Other,
    };
    if m.file_type().is_symlink() {
        return match fs::read_link(path) {
            Ok(target) => State::Link { target },
            Err(_) => State::Other,
        };
    }
    if !m.is_file() {
        return State::Other;
    }
    match read_nofollow(path) {
        Some((bytes, mode)) => State::File {
            hex: to_hex(&bytes),
            mode,
        },
        None => State::Other,
    }
}

/// A regular file's bytes (at most [`crate::fsio::MAX_FILE_BYTES`]) and permission bits,
/// opened without following a symlink and without blocking.
fn read_nofollow(path: &Path) -> Option<(Vec<u8>, u32)> {
    use std::io::Read;
    let mut o = fs::OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let f = o.open(path).ok()?;
    let m = f.metadata().ok()?;
    if !m.is_file() || m.len() > crate::fsio::MAX_FILE_BYTES {
        return None;
    }
    #[cfg(unix)]
    let mode = {
        use std::os::unix::fs::PermissionsExt;
        m.permissions().mode() & 0o7777
    };
    #[cfg(not(unix))]
    let mode = 0o600;
    let mut buf = Vec::new();
    f.take(crate::fsio::MAX_FILE_BYTES + 1)
        .read_to_end(&mut buf)
        .ok()?;
    (buf.len() as u64 <= crate::fsio::MAX_FILE_BYTES).then_some((buf, mode))
}

fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn from_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watch(path: &Path, policy: Policy) -> Vec<Watch> {
        vec![Watch {
            path: path.to_path_buf(),
            policy,
        }]
    }

    #[test]
    fn a_file_the_run_created_is_removed_with_the_directories_it_made() {
        let run = tempfile::tempdir().unwrap();
        let home = tempfile::tempdir().unwrap();
        let f = home.path().join(".impact/api.key");
        let key = Secret::new("mk-0123456789");
        let a = Aftercare::begin(
            run.path(),
            Path::new("/cfg"),
            "impact",
            "api-key",
            key.clone(),
            &watch(&f, Policy::AnyChange),
        )
        .unwrap();
        assert!(run.path().join(JOURNAL).exists());
        fs::create_dir_all(f.parent().unwrap()).unwrap();
        fs::write(&f, key.expose()).unwrap();
        let r = a.finish();
        assert!(r.problems.is_empty(), "{r:?}");
        assert_eq!(r.notes.len(), 1, "{r:?}");
        assert!(r.notes[0].contains("removed it"), "{r:?}");
        assert!(!r.notes[0].contains(key.expose()), "{r:?}");
        assert!(!f.exists());
        assert!(!home.path().join(".impact").exists());
        assert!(!run.path().join(JOURNAL).exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_rewritten_file_comes_back_byte_for_byte_and_a_link_stays_a_link() {
        use std::os::unix::fs::PermissionsExt;
        let run = tempfile::tempdir().unwrap();
        let home = tempfile::tempdir().unwrap();
        let f = home.path().join("api.key");
        fs::write(&f, b"theirs\n\xff").unwrap();
        fs::set_permissions(&f, fs::Permissions::from_mode(0o640)).unwrap();
        let key = Secret::new("mk-0123456789");
        let a = Aftercare::begin(
            run.path(),
            Path::new("/cfg"),
            "impact",
            "api-key",
            key.clone(),
            &watch(&f, Policy::AnyChange),
        )
        .unwrap();
        // The client replaces the file by a link to somewhere else.
        let elsewhere = home.path().join("elsewhere");
        fs::write(&elsewhere, key.expose()).unwrap();
        fs::remove_file(&f).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &f).unwrap();
        let r = a.finish();
        assert!(r.problems.is_empty(), "{r:?}");
        assert!(!fs::symlink_metadata(&f).unwrap().file_type().is_symlink());
        assert_eq!(fs::read(&f).unwrap(), b"theirs\n\xff");
        assert_eq!(
            fs::metadata(&f).unwrap().permissions().mode() & 0o777,
            0o640
        );
        // What the link pointed to was not written through.
        assert_eq!(fs::read_to_string(&elsewhere).unwrap(), key.expose());

        // A dotfiles link: the file it points to is watched and restored; the link stays.
        let real = home.path().join("dotfiles-api.key");
        fs::write(&real, "old").unwrap();
        let link = home.path().join("link.key");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let a = Aftercare::begin(
            run.path(),
            Path::new("/cfg"),
            "impact",
            "api-key",
            key.clone(),
            &watch(&link, Policy::AnyChange),
        )
        .unwrap();
        fs::write(&link, key.expose()).unwrap();
        assert_eq!(fs::read_to_string(&real).unwrap(), key.expose());
        let r = a.finish();
        assert!(r.problems.is_empty(), "{r:?}");
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read_to_string(&real).unwrap(), "old");
    }

    #[test]
    fn if_secret_leaves_the_users_own_edits() {
        let run = tempfile::tempdir().unwrap();
        let home = tempfile::tempdir().unwrap();
        let f = home.path().join("config.ini");
        fs::write(&f, "[api_keys]\nold = ak-1\n").unwrap();
        let key = Secret::new("ak-secret-99");
        let a = Aftercare::begin(
            run.path(),
            Path::new("/cfg"),
            "rfem",
            "p1",
            key.clone(),
            &watch(&f, Policy::IfSecret),
        )
        .unwrap();
        fs::write(&f, "[api_keys]\nold = ak-2\n").unwrap();
        let r = a.finish();
        assert!(r.notes.is_empty() && r.problems.is_empty(), "{r:?}");
        assert_eq!(fs::read_to_string(&f).unwrap(), "[api_keys]\nold = ak-2\n");

        let before = fs::read(&f).unwrap();
        let a = Aftercare::begin(
            run.path(),
            Path::new("/cfg"),
            "rfem",
            "p1",
            key.clone(),
            &watch(&f, Policy::IfSecret),
        )
        .unwrap();
        fs::write(
            &f,
            format!("[api_keys]\nold = ak-2\np1 = {}\n", key.expose()),
        )
        .unwrap();
        let r = a.finish();
        assert_eq!(r.notes.len(), 1, "{r:?}");
        assert_eq!(fs::read(&f).unwrap(), before);
    }

    #[test]
    fn hex_round_trips() {
        let b = [0u8, 1, 0x7f, 0xff];
        assert_eq!(from_hex(&to_hex(&b)).unwrap(), b);
        assert!(from_hex("abc").is_none());
        assert!(from_hex("zz").is_none());
    }
}
