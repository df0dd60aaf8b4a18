//! Editing `profiles.toml` (and a team profile's entry) as a document: every change keeps the
//! comments, the order and the keys SimCred does not know.

use super::error::ConfigError;
use super::reader::{parse, KEYRING_ID};
use crate::profile::{KeyMeta, Profile, Service};
use crate::store_config::StoreConfig;
use std::path::PathBuf;
use toml_edit::{value, Array, DocumentMut, Item, Table, TableLike};

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
    pub(super) doc: DocumentMut,
    pub(super) profiles: Vec<Profile>,
    /// Profiles inserted in this edit, with their services.
    pub(super) inserted: Vec<(String, Service)>,
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
