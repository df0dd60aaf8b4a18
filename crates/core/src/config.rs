//! `profiles.toml`: reading, validating and editing the profile file without losing comments.
//!
//! The file lives in `$SIMCRED_CONFIG_DIR` or the platform config dir (`~/.config/simcred` on
//! Linux). Every change runs under an exclusive lock on `profiles.lock` and is written with an
//! atomic rename, so two processes editing at once lose nothing and a crash leaves the old file;
//! reads take no lock. Callers hold the lock for the metadata edit only, never across a keyring
//! or network call.
//! A file that does not parse is reported with its path and line and is never written.

use crate::atomic::write_atomic;
use crate::profile::{KeyMeta, KeyStatus, Profile, Service};
use crate::snapshot::Snapshot;
use crate::stores::StoreConfig;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use toml_edit::{value, Array, DocumentMut, ImDocument, Item, Table, TableLike};

const HEADER: &str = "# SimCred profiles. No secrets are kept here: they live in the OS keyring.\n# Edit by hand or with `simcred profile edit`; comments and unknown keys are kept.\n";

/// The top-level key holding this config dir's keyring namespace (see [`ConfigStore::keyring_id`]).
pub const KEYRING_ID: &str = "keyring_id";

/// Problems with the profile file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file does not parse or holds something SimCred cannot use; nothing was written.
    #[error("{path}:{line}: {message}. Fix the file by hand; SimCred left it unchanged")]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// A team store's entry does not parse or holds something SimCred cannot use; the store
    /// was left unchanged.
    #[error("team store \"{store}\", entry {entry}, line {line}: {message}. Fix or remove that entry in the store (a teammate with write access can); SimCred left it unchanged")]
    InvalidEntry {
        store: String,
        entry: String,
        line: usize,
        message: String,
    },
    /// The file or its directory cannot be read or written.
    #[error("cannot use {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Neither `SIMCRED_CONFIG_DIR` nor a home directory is known.
    #[error("cannot find a configuration directory; set SIMCRED_CONFIG_DIR or HOME")]
    NoConfigDir,
}

/// Where SimCred keeps its files. Clones share what was read of `profiles.toml`: a command
/// (one [`crate::Simcred::open`]) reads the file once while it stays the same
/// ([`crate::snapshot`]).
#[derive(Debug, Clone)]
pub struct ConfigStore {
    dir: PathBuf,
    read: Snapshot,
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
        }
    }

    /// How many times this store and its clones read `profiles.toml` outside a write (see
    /// [`Snapshot::reads`]).
    pub fn reads(&self) -> usize {
        self.read.reads()
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

    /// All profiles, sorted by name. Takes no lock: every write is an atomic rename, so a read
    /// sees the old file or the new one, and a writer waiting on a keyring prompt never blocks
    /// a reader (the other face's status).
    pub fn read(&self) -> Result<Vec<Profile>, ConfigError> {
        match self.read_text()? {
            None => Ok(Vec::new()),
            Some(text) => parse(&self.profiles_path(), &text).map(|(_, p)| p),
        }
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
        match self.read_text()? {
            None => Ok(Vec::new()),
            Some(text) => {
                let path = self.profiles_path();
                parse(&path, &text)?;
                let im = ImDocument::parse(text.clone()).map_err(|_| ConfigError::Invalid {
                    path: path.clone(),
                    line: 1,
                    message: "not valid TOML".into(),
                })?;
                let invalid = |offset: usize, message: String| ConfigError::Invalid {
                    path: path.clone(),
                    line: line_of(&text, offset),
                    message,
                };
                parse_stores_in(&im, &invalid)
            }
        }
    }

    /// This config dir's keyring namespace: a random id kept in `profiles.toml`, created (with
    /// the file, if there is none yet) on first use, so two config dirs never share secrets.
    pub fn keyring_id(&self) -> Result<String, ConfigError> {
        {
            if let Some(text) = self.read_text()? {
                let (doc, _) = parse(&self.profiles_path(), &text)?;
                if let Some(id) = doc.get(KEYRING_ID).and_then(|v| v.as_str()) {
                    return Ok(id.to_string());
                }
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

pub(crate) use crate::text::line_of;

/// Parses the text of a `profiles.toml` (named `profiles.toml` in messages) into profiles.
/// Every TOML shape that means the same thing is accepted (inline tables, dotted keys);
/// anything SimCred cannot use is an error with the line.
pub fn parse_profiles(text: &str) -> Result<Vec<Profile>, ConfigError> {
    parse(Path::new("profiles.toml"), text).map(|(_, p)| p)
}

/// Refuses a setting value with characters that have no business in a setting.
fn check_setting_value(profile: &str, key: &str, v: &str) -> Result<(), String> {
    if v.chars().any(crate::text::is_unsafe) {
        return Err(format!(
            "setting `{}` of profile \"{profile}\" contains a control character",
            crate::text::safe(key)
        ));
    }
    Ok(())
}

/// The `[stores.NAME]` tables: `kind` (openbao, vault, kernel — the kernel keyring takes nothing else), `addr`, `mount`, `prefix`,
/// `namespace`, `ca_bundle`; anything else or of the wrong type is an error with its line.
fn parse_stores_in(
    im: &ImDocument<String>,
    invalid: &dyn Fn(usize, String) -> ConfigError,
) -> Result<Vec<StoreConfig>, ConfigError> {
    let Some(item) = im.get("stores") else {
        return Ok(Vec::new());
    };
    let table = item.as_table_like().ok_or_else(|| {
        invalid(
            span_start(item),
            "`stores` must be a table of stores".into(),
        )
    })?;
    let mut out = Vec::new();
    for (name, item) in table.iter() {
        crate::profile::validate_name("store", name).map_err(|m| invalid(span_start(item), m))?;
        let t = item.as_table_like().ok_or_else(|| {
            invalid(
                span_start(item),
                format!("store \"{name}\" must be a table"),
            )
        })?;
        let text = |k: &str| -> Result<Option<String>, ConfigError> {
            match t.get(k) {
                None => Ok(None),
                Some(v) => match v.as_str() {
                    Some(s) if !s.chars().any(crate::text::is_unsafe) => Ok(Some(s.to_string())),
                    _ => Err(invalid(
                        span_start(v),
                        format!(
                            "`{k}` of store \"{name}\" must be a string without control characters"
                        ),
                    )),
                },
            }
        };
        let kind_item = t.get("kind");
        let kind = text("kind")?
            .and_then(|k| crate::stores::StoreKind::parse(&k))
            .ok_or_else(|| {
                invalid(
                    kind_item
                        .map(span_start)
                        .unwrap_or_else(|| span_start(item)),
                    format!("store \"{name}\" needs `kind = \"openbao\"`, `kind = \"vault\"` or `kind = \"kernel\"`"),
                )
            })?;
        let cfg = StoreConfig {
            name: name.to_string(),
            kind,
            addr: text("addr")?,
            mount: text("mount")?.unwrap_or_else(|| crate::stores::DEFAULT_MOUNT.into()),
            prefix: text("prefix")?.unwrap_or_else(|| crate::stores::DEFAULT_PREFIX.into()),
            namespace: text("namespace")?,
            ca_bundle: text("ca_bundle")?,
        };
        for (k, v) in t.iter() {
            if !kind.holds_profiles() && k != "kind" {
                return Err(invalid(
                    span_start(v),
                    format!(
                        "store \"{name}\" is the kernel keyring: `{}` does not apply to it (only `kind`)",
                        crate::text::safe(k)
                    ),
                ));
            }
            if !["kind", "addr", "mount", "prefix", "namespace", "ca_bundle"].contains(&k) {
                return Err(invalid(
                    span_start(v),
                    format!(
                        "store \"{name}\" has an unknown setting `{}` (kind, addr, mount, prefix, namespace, ca_bundle)",
                        crate::text::safe(k)
                    ),
                ));
            }
        }
        for (k, v) in [("mount", &cfg.mount), ("prefix", &cfg.prefix)] {
            if v.is_empty() || v.split('/').any(|p| p.is_empty() || p == "." || p == "..") {
                return Err(invalid(
                    span_start(item),
                    format!("`{k}` of store \"{name}\" must be a path like team/a (no empty, . or .. parts)"),
                ));
            }
        }
        out.push(cfg);
    }
    Ok(out)
}

fn parse(path: &Path, text: &str) -> Result<(DocumentMut, Vec<Profile>), ConfigError> {
    let invalid = |offset: usize, message: String| ConfigError::Invalid {
        path: path.to_path_buf(),
        line: line_of(text, offset),
        message,
    };
    let im = ImDocument::parse(text.to_string()).map_err(|e| {
        let offset = e.span().map(|s| s.start).unwrap_or(0);
        let msg = crate::text::safe_short(e.message().trim(), 200);
        invalid(offset, format!("not valid TOML: {msg}"))
    })?;
    if let Some(id) = im.get(KEYRING_ID) {
        let ok = id.as_str().is_some_and(|s| {
            !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric())
        });
        if !ok {
            return Err(invalid(
                span_start(id),
                format!("`{KEYRING_ID}` must be a string of letters and digits (SimCred writes it; delete the line to get a new one)"),
            ));
        }
    }
    let store_names: Vec<String> = parse_stores_in(&im, &invalid)?
        .into_iter()
        .map(|s| s.name)
        .collect();
    let mut profiles = Vec::new();
    if let Some(item) = im.get("profiles") {
        let table = item.as_table_like().ok_or_else(|| {
            invalid(
                span_start(item),
                "`profiles` must be a table of profiles".into(),
            )
        })?;
        for (name, item) in table.iter() {
            crate::profile::validate_name("profile", name)
                .map_err(|m| invalid(span_start(item), m))?;
            let pt = item.as_table_like().ok_or_else(|| {
                invalid(
                    span_start(item),
                    format!("profile \"{name}\" must be a table"),
                )
            })?;
            let service_item = pt.get("service").ok_or_else(|| {
                invalid(
                    span_start(item),
                    format!(
                        "profile \"{name}\" has no `service` ({})",
                        Service::all()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
            let service: Service = service_item
                .as_str()
                .ok_or_else(|| "`service` must be a string".to_string())
                .and_then(|s| s.parse())
                .map_err(|m| invalid(span_start(service_item), m))?;
            let mut settings = BTreeMap::new();
            let mut store = None;
            let mut default_key = None;
            let mut keys = Vec::new();
            let mut tokens = Vec::new();
            for (k, v) in pt.iter() {
                match k {
                    "service" => {}
                    "store" => {
                        let n = v.as_str().ok_or_else(|| {
                            invalid(span_start(v), "`store` must be a store's name".into())
                        })?;
                        if !store_names.iter().any(|x| x == n) {
                            return Err(invalid(
                                span_start(v),
                                format!(
                                    "profile \"{name}\" names store \"{}\", which has no [stores.{}] table",
                                    crate::text::safe(n),
                                    crate::text::safe(n)
                                ),
                            ));
                        }
                        store = Some(n.to_string());
                    }
                    "default_key" => {
                        let d = v.as_str().ok_or_else(|| {
                            invalid(span_start(v), "`default_key` must be a string".into())
                        })?;
                        crate::profile::validate_name("key", d)
                            .map_err(|m| invalid(span_start(v), format!("`default_key`: {m}")))?;
                        default_key = Some(d.to_string())
                    }
                    "keys" | "tokens" => {
                        let kt = v.as_table_like().ok_or_else(|| {
                            invalid(span_start(v), format!("`{k}` must be a table"))
                        })?;
                        for (kn, kv) in kt.iter() {
                            let what = if k == "keys" { "key" } else { "token" };
                            crate::profile::validate_name(what, kn)
                                .map_err(|m| invalid(span_start(kv), m))?;
                            let meta = parse_key(kn, kv, &invalid)?;
                            if k == "keys" {
                                keys.push(meta);
                            } else {
                                tokens.push(meta);
                            }
                        }
                    }
                    _ => {
                        if let Some(val) = v.as_value() {
                            let s = match val {
                                toml_edit::Value::String(s) => s.value().clone(),
                                toml_edit::Value::Boolean(b) => b.value().to_string(),
                                toml_edit::Value::Integer(i) => i.value().to_string(),
                                toml_edit::Value::Float(f) => f.value().to_string(),
                                _ => continue, // arrays and tables of other tools are kept, not used
                            };
                            check_setting_value(name, k, &s)
                                .map_err(|m| invalid(span_start(v), m))?;
                            settings.insert(k.to_string(), s);
                        }
                    }
                }
            }
            if let Some(d) = &default_key {
                for k in keys.iter_mut() {
                    k.default = &k.name == d;
                }
            }
            profiles.push(Profile {
                name: name.to_string(),
                service,
                settings,
                default_key,
                keys,
                tokens,
                store,
            });
        }
    }
    profiles.sort_by(|a, b| a.name.cmp(&b.name));
    Ok((im.into_mut(), profiles))
}

fn span_start(item: &Item) -> usize {
    item.span()
        .or_else(|| item.as_table().and_then(|t| t.span()))
        .map(|s| s.start)
        .unwrap_or(0)
}

fn parse_key(
    name: &str,
    item: &Item,
    invalid: &dyn Fn(usize, String) -> ConfigError,
) -> Result<KeyMeta, ConfigError> {
    let t = item
        .as_table_like()
        .ok_or_else(|| invalid(span_start(item), format!("key \"{name}\" must be a table")))?;
    // Metadata is shown to people: anything a hand edit or an old version put there is made safe.
    let get = |k: &str| -> Result<Option<String>, ConfigError> {
        match t.get(k) {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .map(|s| Some(crate::text::safe(s)))
                .ok_or_else(|| {
                    invalid(
                        span_start(v),
                        format!("`{k}` of key \"{name}\" must be a string"),
                    )
                }),
        }
    };
    let status = match t.get("status") {
        None => KeyStatus::Unverified,
        Some(v) => v.as_str().and_then(KeyStatus::parse).ok_or_else(|| {
            invalid(
                span_start(v),
                format!("`status` of key \"{name}\" must be one of unverified, valid, invalid, unreachable, expired, revoked"),
            )
        })?,
    };
    let exported = match t.get("exported") {
        None => Vec::new(),
        Some(v) => v
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str())
                    .filter(|x| !x.chars().any(crate::text::is_unsafe))
                    .map(String::from)
                    .collect()
            })
            .ok_or_else(|| {
                invalid(
                    span_start(v),
                    format!("`exported` of key \"{name}\" must be an array of paths"),
                )
            })?,
    };
    let mut meta = KeyMeta {
        name: name.to_string(),
        created: get("created")?.unwrap_or_default(),
        last4: get("last4")?.unwrap_or_default(),
        status,
        checked: get("checked")?,
        detail: get("detail")?,
        expires: get("expires")?,
        exported,
        default: false,
        account: get("account")?,
        unreachable: get("unreachable")?,
        unreachable_detail: get("unreachable_detail")?,
        usage: get("usage")?,
    };
    if meta.status == KeyStatus::Unreachable {
        // Written by 0.1: "unreachable" was the status itself; it says nothing of the key.
        meta.status = KeyStatus::Unverified;
        meta.unreachable = meta.checked.take();
        meta.unreachable_detail = meta.detail.take();
    }
    Ok(meta)
}

/// A team profile as its store keeps it: the `[profiles.NAME]` table (settings, key and token
/// metadata) as TOML text, parsed and edited with the same code as `profiles.toml`.
pub struct Fragment;

impl Fragment {
    /// Parses a team profile's text (as `store`'s); errors name the store and the line.
    pub fn parse(store: &str, key: &str, text: &str) -> Result<ProfilesDoc, ConfigError> {
        let path = PathBuf::from(format!("store {store}: {key}"));
        let (doc, mut profiles) = parse(&path, text).map_err(|e| match e {
            ConfigError::Invalid { line, message, .. } => ConfigError::InvalidEntry {
                store: crate::text::safe(store),
                entry: crate::text::safe(key),
                line,
                message: crate::text::safe(&message),
            },
            other => other,
        })?;
        for p in &mut profiles {
            p.store = Some(store.to_string());
        }
        Ok(ProfilesDoc {
            doc,
            profiles,
            inserted: Vec::new(),
        })
    }

    /// An empty team document, for a new profile.
    pub fn empty() -> ProfilesDoc {
        ProfilesDoc {
            doc: DocumentMut::new(),
            profiles: Vec::new(),
            inserted: Vec::new(),
        }
    }
}

impl ProfilesDoc {
    /// The document's text (a team profile's, to write back to its store).
    pub fn text(&self) -> String {
        self.doc.to_string()
    }

    /// Takes what of team profile `name`'s table does not belong in its shared entry: its
    /// `keys` table (kept beside each key's secret) and the person's sign-in, `tokens` and
    /// `username` (kept on this computer). Returns them as a table of those three names.
    pub fn take_team_parts(&mut self, name: &str) -> Table {
        let mut parts = Table::new();
        let Some(pt) = self
            .doc
            .get_mut("profiles")
            .and_then(|p| p.as_table_like_mut())
            .and_then(|p| p.get_mut(name))
            .and_then(|p| p.as_table_like_mut())
        else {
            return parts;
        };
        for k in TEAM_PARTS {
            if let Some(item) = pt.remove(k) {
                let item = match item {
                    Item::Value(toml_edit::Value::InlineTable(it)) => Item::Table(it.into_table()),
                    other => other,
                };
                parts.insert(k, item);
            }
        }
        parts
    }

    /// Puts parts taken with [`ProfilesDoc::take_team_parts`] (or read elsewhere) into profile
    /// `name`'s table, replacing what it had of those names.
    pub fn put_team_parts(&mut self, name: &str, parts: &Table) {
        let pt = self.profile_table(name);
        for (k, v) in parts.iter() {
            if TEAM_PARTS.contains(&k) {
                pt.insert(k, v.clone());
            }
        }
    }

    /// This computer's copy of a team profile's personal part (`[signins.NAME]`: `tokens`,
    /// `username`), if any.
    pub fn signin(&self, name: &str) -> Option<Table> {
        let t = self.doc.get(SIGNINS)?.as_table_like()?.get(name)?;
        Some(match t {
            Item::Value(toml_edit::Value::InlineTable(it)) => it.clone().into_table(),
            Item::Table(t) => t.clone(),
            _ => return None,
        })
    }

    /// Writes (or with `None` or an empty table, removes) team profile `name`'s personal part.
    pub fn set_signin(&mut self, name: &str, part: Option<&Table>) {
        match part.filter(|t| !t.is_empty()) {
            Some(t) => {
                let mut t = t.clone();
                t.set_implicit(false);
                child(self.doc.as_table_mut(), SIGNINS).insert(name, Item::Table(t));
            }
            None => {
                if let Some(s) = self
                    .doc
                    .get_mut(SIGNINS)
                    .and_then(|s| s.as_table_like_mut())
                {
                    s.remove(name);
                    if s.is_empty() {
                        self.doc.remove(SIGNINS);
                    }
                }
            }
        }
    }
}

/// The parts of a team profile's table kept outside its shared entry (see
/// [`ProfilesDoc::take_team_parts`]).
pub const TEAM_PARTS: [&str; 3] = ["keys", "tokens", "username"];

/// The top-level table of `profiles.toml` holding this person's part of team profiles.
pub const SIGNINS: &str = "signins";

/// The parsed file, open for editing inside [`ConfigStore::update`].
pub struct ProfilesDoc {
    doc: DocumentMut,
    profiles: Vec<Profile>,
    /// Profiles inserted in this edit, with their services.
    inserted: Vec<(String, Service)>,
}

impl ProfilesDoc {
    /// The profiles as they were when the file was read (edits do not show here).
    pub fn profiles(&self) -> &[Profile] {
        &self.profiles
    }

    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.name == name)
    }

    /// This file's keyring namespace, if it has one yet.
    pub fn keyring_id(&self) -> Option<String> {
        self.doc
            .get(KEYRING_ID)
            .and_then(|v| v.as_str())
            .map(String::from)
    }

    fn profiles_table(&mut self) -> &mut dyn TableLike {
        child(self.doc.as_table_mut(), "profiles")
    }

    fn profile_table(&mut self, name: &str) -> &mut dyn TableLike {
        child(self.profiles_table(), name)
    }

    /// A copy of profile `name`'s whole table (settings, keys, tokens), to move it elsewhere.
    pub fn profile_item(&self, name: &str) -> Option<Item> {
        let t = self.doc.get("profiles")?.as_table_like()?.get(name)?;
        Some(match t {
            Item::Value(toml_edit::Value::InlineTable(it)) => Item::Table(it.clone().into_table()),
            other => other.clone(),
        })
    }

    /// Puts a profile's whole table here (from [`ProfilesDoc::profile_item`]), without the
    /// `store` key of the place it came from.
    pub fn put_profile_item(&mut self, name: &str, mut item: Item) {
        if let Some(t) = item.as_table_like_mut() {
            t.remove("store");
        }
        self.profiles_table().insert(name, item);
    }

    /// Adds a new profile table.
    pub fn insert_profile(&mut self, name: &str, service: Service) {
        self.inserted.push((name.to_string(), service));
        let mut t = Table::new();
        t.insert("service", value(service.as_str()));
        self.profiles_table().insert(name, Item::Table(t));
    }

    pub fn remove_profile(&mut self, name: &str) {
        self.profiles_table().remove(name);
    }

    /// Sets (or with `None`, removes) one setting of a profile. Settings of kind `bool` are
    /// written as TOML booleans (the vendors' own types).
    pub fn set_setting(&mut self, profile: &str, key: &str, val: Option<&str>) {
        let service = self.profile(profile).map(|p| p.service).or_else(|| {
            self.inserted
                .iter()
                .find(|(n, _)| n == profile)
                .map(|(_, s)| *s)
        });
        let is_bool = service
            .and_then(|s| crate::providers::setting_of(s, key))
            .is_some_and(|s| s.kind == crate::providers::SettingKind::Bool);
        let t = self.profile_table(profile);
        match val {
            None => {
                t.remove(key);
            }
            Some(v) if is_bool && (v == "true" || v == "false") => {
                t.insert(key, value(v == "true"));
            }
            Some(v) => {
                t.insert(key, value(v));
            }
        }
    }

    /// Writes a `[stores.NAME]` table (replacing one of that name).
    pub fn put_store(&mut self, cfg: &StoreConfig) {
        let stores = child(self.doc.as_table_mut(), "stores");
        let mut t = Table::new();
        t.insert("kind", value(cfg.kind.as_str()));
        for (k, v) in [
            ("addr", &cfg.addr),
            ("namespace", &cfg.namespace),
            ("ca_bundle", &cfg.ca_bundle),
        ] {
            if let Some(v) = v {
                t.insert(k, value(v));
            }
        }
        if cfg.kind.holds_profiles() {
            t.insert("mount", value(&cfg.mount));
            t.insert("prefix", value(&cfg.prefix));
        }
        stores.insert(&cfg.name, Item::Table(t));
    }

    /// Removes a `[stores.NAME]` table.
    pub fn remove_store(&mut self, name: &str) {
        if let Some(t) = self
            .doc
            .get_mut("stores")
            .and_then(|s| s.as_table_like_mut())
        {
            t.remove(name);
        }
    }

    /// Puts a profile in a team store (`None`: the OS keyring).
    pub fn set_store(&mut self, profile: &str, store: Option<&str>) {
        let t = self.profile_table(profile);
        match store {
            Some(s) => {
                t.insert("store", value(s));
            }
            None => {
                t.remove("store");
            }
        }
    }

    pub fn set_default_key(&mut self, profile: &str, key: Option<&str>) {
        let t = self.profile_table(profile);
        match key {
            Some(k) => {
                t.insert("default_key", value(k));
            }
            None => {
                t.remove("default_key");
            }
        }
    }

    /// Writes a key's metadata (creating or replacing its table).
    pub fn put_key(&mut self, profile: &str, meta: &KeyMeta) {
        self.put_entry(profile, "keys", meta)
    }

    /// Writes a sign-in token's metadata.
    pub fn put_token(&mut self, profile: &str, meta: &KeyMeta) {
        self.put_entry(profile, "tokens", meta)
    }

    pub fn remove_token(&mut self, profile: &str, name: &str) {
        let pt = self.profile_table(profile);
        if let Some(t) = pt.get_mut("tokens").and_then(|k| k.as_table_like_mut()) {
            t.remove(name);
        }
    }

    fn put_entry(&mut self, profile: &str, table: &str, meta: &KeyMeta) {
        let keys = child(self.profile_table(profile), table);
        // Keep what else the entry has (another tool's fields), whatever its TOML shape.
        let mut t = match keys.get(&meta.name) {
            Some(Item::Table(t)) => t.clone(),
            Some(Item::Value(toml_edit::Value::InlineTable(it))) => it.clone().into_table(),
            _ => Table::new(),
        };
        t.insert("created", value(&meta.created));
        t.insert("last4", value(&meta.last4));
        t.insert("status", value(meta.status.as_str()));
        for (k, v) in [
            ("checked", &meta.checked),
            ("detail", &meta.detail),
            ("expires", &meta.expires),
            ("account", &meta.account),
            ("unreachable", &meta.unreachable),
            ("unreachable_detail", &meta.unreachable_detail),
            ("usage", &meta.usage),
        ] {
            match v {
                Some(v) => {
                    t.insert(k, value(v));
                }
                None => {
                    t.remove(k);
                }
            }
        }
        if meta.exported.is_empty() {
            t.remove("exported");
        } else {
            let mut a = Array::new();
            for p in &meta.exported {
                a.push(p.as_str());
            }
            t.insert("exported", value(a));
        }
        keys.insert(&meta.name, Item::Table(t));
    }

    pub fn remove_key(&mut self, profile: &str, key: &str) {
        let pt = self.profile_table(profile);
        if let Some(keys) = pt.get_mut("keys").and_then(|k| k.as_table_like_mut()) {
            keys.remove(key);
        }
    }
}

/// The table-like child `key` of `parent` (a `[table]`, an inline table or dotted keys alike),
/// created as an implicit table when missing. The parser has already refused files where such
/// a child exists but is not table-like, so nothing of the user's is replaced here.
fn child<'a>(parent: &'a mut dyn TableLike, key: &str) -> &'a mut dyn TableLike {
    if !parent.get(key).is_some_and(|i| i.is_table_like()) {
        let mut t = Table::new();
        t.set_implicit(true);
        parent.insert(key, Item::Table(t));
    }
    // `insert` into an inline parent stores the table inline, so the child is table-like now.
    match parent.get_mut(key).and_then(|i| i.as_table_like_mut()) {
        Some(t) => t,
        None => unreachable!("a table was just inserted"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, ConfigStore) {
        let d = tempfile::tempdir().unwrap();
        let s = ConfigStore::at(d.path());
        (d, s)
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
