//! `profiles.toml`: reading, validating and editing the profile file without losing comments.
//!
//! The file lives in `$SIMCRED_CONFIG_DIR` or the platform config dir (`~/.config/simcred` on
//! Linux). Every change runs under an exclusive lock on `profiles.lock` and is written with an
//! atomic rename, so two processes editing at once lose nothing and a crash leaves the old file;
//! reads take no lock. Callers hold the lock for the metadata edit only, never across a keyring
//! or network call.
//! A file that does not parse is reported with its path and line and is never written.

mod doc;
pub(crate) mod error;
mod reader;

pub use doc::{Fragment, ProfilesDoc, SIGNINS, TEAM_PARTS};
pub use error::ConfigError;
pub(crate) use reader::line_of;
use reader::{parse, parse_all};
pub use reader::{parse_profiles, KEYRING_ID};

use crate::atomic::write_atomic;
use crate::profile::Profile;
use crate::snapshot::Snapshot;
use crate::store_config::StoreConfig;
use std::fs;
use std::path::{Path, PathBuf};
use toml_edit::{value, DocumentMut, Table};

const HEADER: &str = "# SimCred profiles. No secrets are kept here: they live in the OS keyring.\n# Edit by hand or with `simcred profile edit`; comments and unknown keys are kept.\n";

/// Where SimCred keeps its files. Clones share what was read of `profiles.toml`: a command
/// (one [`crate::Simcred::open`]) reads the file once while it stays the same
/// ([`crate::snapshot`]).
#[derive(Debug, Clone)]
pub struct ConfigStore {
    dir: PathBuf,
    read: Snapshot,
    /// What the last parse of that text gave, for as long as the text stays the same: with
    /// 1,000 profiles a parse is ≈ 15 ms, and the app's first screen asked for four.
    parsed: std::sync::Arc<std::sync::Mutex<Option<std::sync::Arc<Parsed>>>>,
    /// How many times that text was parsed for a reader (see [`ConfigStore::parses`]).
    parses: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

/// One parse of `profiles.toml`'s text: what the readers take from it.
#[derive(Debug)]
struct Parsed {
    text: String,
    profiles: Vec<Profile>,
    stores: Vec<StoreConfig>,
    keyring_id: Option<String>,
}

impl ConfigStore {
    /// The config dir from `SIMCRED_CONFIG_DIR`, else the platform's (`~/.config/simcred`).
    pub fn from_env() -> Result<Self, ConfigError> {
        if let Some(d) = std::env::var_os("SIMCRED_CONFIG_DIR").filter(|d| !d.is_empty()) {
            return Ok(ConfigStore::at(d));
        }
        let dirs = directories::ProjectDirs::from("dev", "simcred", "simcred")
            .ok_or(ConfigError::NoConfigDir)?;
        Ok(ConfigStore::at(dirs.config_dir()))
    }

    pub fn at(dir: impl Into<PathBuf>) -> Self {
        ConfigStore {
            dir: dir.into(),
            read: Snapshot::default(),
            parsed: Default::default(),
            parses: Default::default(),
        }
    }

    /// How many times this store and its clones read `profiles.toml` outside a write (see
    /// [`Snapshot::reads`]).
    pub fn reads(&self) -> usize {
        self.read.reads()
    }

    /// How many times this store and its clones parsed `profiles.toml` for a reader (`read`,
    /// `stores`, `keyring_id`): once per version of the file.
    pub fn parses(&self) -> usize {
        self.parses.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn profiles_path(&self) -> PathBuf {
        self.dir.join("profiles.toml")
    }

    fn io(&self, path: &Path, source: std::io::Error) -> ConfigError {
        ConfigError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    fn lock(&self, exclusive: bool) -> Result<Option<fs::File>, ConfigError> {
        let path = self.dir.join("profiles.lock");
        if !exclusive && !self.dir.exists() {
            return Ok(None);
        }
        fs::create_dir_all(&self.dir).map_err(|e| self.io(&self.dir, e))?;
        let f = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| self.io(&path, e))?;
        if exclusive {
            f.lock().map_err(|e| self.io(&path, e))?;
        } else {
            f.lock_shared().map_err(|e| self.io(&path, e))?;
        }
        Ok(Some(f))
    }

    /// The file's text (`None`: no file), read once while it stays the same.
    fn read_text(&self) -> Result<Option<String>, ConfigError> {
        let path = self.profiles_path();
        self.read.text(&path, || self.read_file(&path))
    }

    fn read_file(&self, path: &Path) -> Result<Option<String>, ConfigError> {
        match fs::read(path) {
            Ok(bytes) => String::from_utf8(bytes)
                .map(Some)
                .map_err(|e| ConfigError::Invalid {
                    line: line_of(
                        &String::from_utf8_lossy(e.as_bytes()),
                        e.utf8_error().valid_up_to(),
                    ),
                    path: path.to_path_buf(),
                    message: "the file is not valid UTF-8".into(),
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.io(path, e)),
        }
    }

    /// The file parsed (`None`: no file), parsed once while its text stays the same. A file
    /// that does not parse is an error each time (nothing of it is kept).
    fn parsed(&self) -> Result<Option<std::sync::Arc<Parsed>>, ConfigError> {
        let Some(text) = self.read_text()? else {
            return Ok(None);
        };
        if let Ok(seen) = self.parsed.lock() {
            if let Some(p) = seen.as_ref().filter(|p| p.text == text) {
                return Ok(Some(p.clone()));
            }
        }
        self.parses
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (doc, profiles, stores) = parse_all(&self.profiles_path(), &text)?;
        let keyring_id = doc
            .get(KEYRING_ID)
            .and_then(|v| v.as_str())
            .map(String::from);
        let p = std::sync::Arc::new(Parsed {
            text,
            profiles,
            stores,
            keyring_id,
        });
        if let Ok(mut seen) = self.parsed.lock() {
            *seen = Some(p.clone());
        }
        Ok(Some(p))
    }

    /// All profiles, sorted by name. Takes no lock: every write is an atomic rename, so a read
    /// sees the old file or the new one, and a writer waiting on a keyring prompt never blocks
    /// a reader (the other face's status).
    pub fn read(&self) -> Result<Vec<Profile>, ConfigError> {
        Ok(self
            .parsed()?
            .map(|p| p.profiles.clone())
            .unwrap_or_default())
    }

    /// Runs `f` on the parsed file under an exclusive lock and writes the result atomically if it
    /// changed. When the file does not parse, nothing is written and `f` does not run.
    pub fn update<T, E: From<ConfigError>>(
        &self,
        f: impl FnOnce(&mut ProfilesDoc) -> Result<T, E>,
    ) -> Result<T, E> {
        let _lock = self.lock(true)?;
        let path = self.profiles_path();
        // Under the lock, from the disk: what another process wrote a moment ago counts.
        let text = self.read_file(&path)?;
        let (doc, profiles) = match &text {
            Some(t) => parse(&path, t)?,
            None => (DocumentMut::new(), Vec::new()),
        };
        let mut pd = ProfilesDoc {
            doc,
            profiles,
            inserted: Vec::new(),
        };
        let out = f(&mut pd)?;
        if text.is_none() || !pd.doc.contains_key(KEYRING_ID) {
            pd.doc.insert(KEYRING_ID, value(new_keyring_id()));
        }
        let new_text = match &text {
            Some(_) => pd.doc.to_string(),
            None => format!("{HEADER}\n{}", pd.doc),
        };
        if text.as_deref() != Some(new_text.as_str()) {
            // 0600: the file can hold proxy credentials and says which accounts exist.
            self.read.forget();
            write_atomic(&path, new_text.as_bytes(), true).map_err(|e| self.io(&path, e))?;
        }
        Ok(out)
    }

    /// This person's part of team profile `name` (`[signins.NAME]`), read without a lock.
    pub fn signin(&self, name: &str) -> Result<Option<Table>, ConfigError> {
        match self.read_text()? {
            None => Ok(None),
            Some(text) => {
                let (doc, profiles) = parse(&self.profiles_path(), &text)?;
                let pd = ProfilesDoc {
                    doc,
                    profiles,
                    inserted: Vec::new(),
                };
                Ok(pd.signin(name))
            }
        }
    }

    /// The `[stores.NAME]` table named `name`; `StoreError::NotFound` when there is none.
    pub fn store(&self, name: &str) -> crate::Result<StoreConfig> {
        self.stores()?
            .into_iter()
            .find(|s| s.name == name)
            .ok_or_else(|| {
                crate::store::StoreError::NotFound(format!(
                    "there is no store named \"{}\"",
                    crate::text::safe(name)
                ))
                .into()
            })
    }

    /// The `[stores.NAME]` tables, in file order.
    pub fn stores(&self) -> Result<Vec<StoreConfig>, ConfigError> {
        Ok(self.parsed()?.map(|p| p.stores.clone()).unwrap_or_default())
    }

    /// This config dir's keyring namespace: a random id kept in `profiles.toml`, created (with
    /// the file, if there is none yet) on first use, so two config dirs never share secrets.
    pub fn keyring_id(&self) -> Result<String, ConfigError> {
        {
            if let Some(id) = self.parsed()?.and_then(|p| p.keyring_id.clone()) {
                return Ok(id);
            }
        }
        self.update(|doc| -> Result<Option<String>, ConfigError> { Ok(doc.keyring_id()) })
            .and_then(|id| match id {
                Some(id) => Ok(id),
                None => self.keyring_id(),
            })
    }
}

/// A fresh random keyring namespace id (128 bits, hex), from the standard library's
/// randomly keyed hasher.
fn new_keyring_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let part = || {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        h.write_u32(std::process::id());
        h.finish()
    };
    format!("{:016x}{:016x}", part(), part())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{KeyMeta, KeyStatus, Service};

    fn store() -> (tempfile::TempDir, ConfigStore) {
        let d = tempfile::tempdir().unwrap();
        let s = ConfigStore::at(d.path());
        (d, s)
    }

    /// The app's first screen asked for the profiles, the stores and the keyring id, and each
    /// parsed the whole file again (≈ 15 ms with 1,000 profiles): now once per version of it.
    #[test]
    fn the_file_is_parsed_once_per_version_for_every_reader() {
        let (d, s) = store();
        std::fs::write(
            d.path().join("profiles.toml"),
            "keyring_id = \"abc123\"\n[profiles.a]\nservice = \"dlubal\"\n",
        )
        .unwrap();
        let twin = s.clone();
        assert_eq!(s.read().unwrap().len(), 1);
        assert!(twin.stores().unwrap().is_empty());
        assert_eq!(s.keyring_id().unwrap(), "abc123");
        assert_eq!(twin.read().unwrap()[0].name, "a");
        assert_eq!(s.parses(), 1);
        // Another version is parsed again, and seen.
        std::fs::write(
            d.path().join("profiles.toml"),
            "keyring_id = \"abc123\"\n[profiles.a]\nservice = \"dlubal\"\n[profiles.b]\nservice = \"modelon\"\n",
        )
        .unwrap();
        let names: Vec<String> = s.read().unwrap().into_iter().map(|p| p.name).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(twin.parses(), 2);
        // A file that does not parse is an error every time, not a stale answer.
        std::fs::write(d.path().join("profiles.toml"), "[profiles.a\n").unwrap();
        assert!(s.read().is_err() && s.stores().is_err());
    }

    #[test]
    fn comments_and_unknown_keys_survive_edits() {
        let (_d, s) = store();
        let text =
            "# my notes\n[profiles.rfem] # inline\nservice = \"dlubal\"\ncolor = \"blue\" # mine\n";
        fs::write(s.profiles_path(), text).unwrap();
        s.update(|d| -> Result<(), ConfigError> {
            d.set_setting("rfem", "url", Some("x"));
            Ok(())
        })
        .unwrap();
        let out = fs::read_to_string(s.profiles_path()).unwrap();
        assert!(out.contains("# my notes"));
        assert!(out.contains("color = \"blue\" # mine"));
        assert!(out.contains("url = \"x\""));
    }

    #[test]
    fn malformed_file_reports_line_and_is_not_written() {
        let (_d, s) = store();
        let text = "[profiles.a]\nservice = \"dlubal\"\n\n[profiles.b]\nservice = \n";
        fs::write(s.profiles_path(), text).unwrap();
        let err = s
            .update(|d| -> Result<(), ConfigError> {
                d.insert_profile("c", "dlubal".parse::<Service>().unwrap());
                Ok(())
            })
            .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("profiles.toml:5:"), "{msg}");
        assert_eq!(fs::read_to_string(s.profiles_path()).unwrap(), text);
    }

    #[test]
    fn unknown_service_points_at_its_line() {
        let (_d, s) = store();
        fs::write(s.profiles_path(), "[profiles.a]\n\nservice = \"aws\"\n").unwrap();
        let msg = s.read().unwrap_err().to_string();
        assert!(msg.contains(":3:"), "{msg}");
        assert!(msg.contains("unknown service"), "{msg}");
    }

    #[test]
    fn keys_round_trip() {
        let (_d, s) = store();
        s.update(|d| -> Result<(), ConfigError> {
            d.insert_profile("p", "modelon".parse::<Service>().unwrap());
            d.put_key(
                "p",
                &KeyMeta {
                    name: "api-key".into(),
                    created: "2026-01-01T00:00:00Z".into(),
                    last4: "abcd".into(),
                    status: KeyStatus::Valid,
                    checked: Some("2026-01-02T00:00:00Z".into()),
                    detail: None,
                    expires: None,
                    exported: vec!["/tmp/x".into()],
                    default: false,
                    ..Default::default()
                },
            );
            d.set_default_key("p", Some("api-key"));
            Ok(())
        })
        .unwrap();
        let p = &s.read().unwrap()[0];
        assert_eq!(p.keys[0].status, KeyStatus::Valid);
        assert!(p.keys[0].default);
        assert_eq!(p.keys[0].exported, vec!["/tmp/x".to_string()]);
    }
}
