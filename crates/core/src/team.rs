//! Team profiles: profiles kept in a team store — settings at `{prefix}/profiles/{name}` (the
//! profile's `profiles.toml` table as TOML text), keys at `{prefix}/secrets/{name}/api-key/…`
//! with each key's metadata beside it (KV v2 `custom_metadata`) — so a teammate who adds the
//! store and logs in sees them with no other step. A person's sign-in to a team profile (its
//! tokens, a remembered password, the user name) stays on their computer: secrets in the OS
//! keyring, metadata in `[signins.NAME]` of `profiles.toml`. Adds and edits of different keys
//! touch only those keys; a change of the shared entry is check-and-set: an edit that loses a
//! race is run again on the fresh version, and an edit whose premise no longer holds fails with
//! its own error; nothing is overwritten blindly. Entries written before keys' metadata moved
//! out of them are read as they are and moved on the next write.

use crate::config::{Fragment, ProfilesDoc};
use crate::ctx::{Ctx, StoreProblem};
use crate::error::{Error, Result};
use crate::profile::{validate_name, KeyMeta, KeyStatus, Profile};
use crate::store::{SecretId, SecretKind, StoreError};
use crate::stores::VaultStore;
use crate::vault::{VaultError, CUSTOM_MAX_VALUE_LEN};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashSet};
use toml_edit::{Item, Table};

/// How often an edit is run again on fresh data after losing a check-and-set race.
const RETRIES: usize = 8;

/// How long reading one store's profiles may take in all (`SIMCRED_STORE_TIMEOUT`, seconds,
/// default 20); the entries not read by then are reported as such.
pub fn list_budget() -> std::time::Duration {
    let secs = std::env::var("SIMCRED_STORE_TIMEOUT")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|s| *s > 0)
        .unwrap_or(20);
    std::time::Duration::from_secs(secs)
}

fn entry(profile: &str) -> String {
    format!("profiles/{profile}")
}

/// The vault path of key `name` of `profile` (its metadata sits on it).
fn key_path(profile: &str, name: &str) -> String {
    VaultStore::key_of(&SecretId::new(profile, SecretKind::ApiKey, name))
}

/// `s` cut to what KV v2 keeps in one `custom_metadata` value, at a character boundary.
fn fit(s: &str) -> String {
    let mut end = s.len().min(CUSTOM_MAX_VALUE_LEN);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

/// The name, in this computer's `[signins.NAME]`, of the table of where this person exported
/// each key of a team profile (`KEY = [paths]`).
const EXPORTED: &str = "exported";

/// A key's metadata as its secret's KV v2 `custom_metadata`: one string per field, each within
/// the engine's limits (long texts are cut; `default` is the profile's, not the key's). Where
/// the key was exported is not in it: a path on one person's computer is theirs (it stays in
/// their `[signins.NAME]`), and teammates' `key replace` must not write to it.
pub(crate) fn key_to_custom(m: &KeyMeta) -> BTreeMap<String, String> {
    let mut c = BTreeMap::new();
    c.insert("created".into(), fit(&m.created));
    c.insert("last4".into(), fit(&m.last4));
    c.insert("status".into(), m.status.as_str().into());
    for (k, v) in [
        ("checked", &m.checked),
        ("detail", &m.detail),
        ("expires", &m.expires),
        ("account", &m.account),
        ("unreachable", &m.unreachable),
        ("unreachable_detail", &m.unreachable_detail),
        ("usage", &m.usage),
    ] {
        if let Some(v) = v {
            c.insert(k.into(), fit(v));
        }
    }
    c
}

/// A key's metadata from its secret's `custom_metadata`; `None` when SimCred wrote none there
/// (no `created`). The text is other people's: made safe to show, a status SimCred does not
/// know reads as unverified, and paths (`exported.N`, as an earlier version wrote them) are
/// never taken for files of this computer.
pub(crate) fn key_from_custom(name: &str, c: &BTreeMap<String, String>) -> Option<KeyMeta> {
    let created = c.get("created")?;
    let get = |k: &str| c.get(k).map(|v| crate::text::safe(v));
    let mut meta = KeyMeta {
        name: name.to_string(),
        created: crate::text::safe(created),
        last4: get("last4").unwrap_or_default(),
        status: c
            .get("status")
            .and_then(|s| KeyStatus::parse(s))
            .unwrap_or_default(),
        checked: get("checked"),
        detail: get("detail"),
        expires: get("expires"),
        exported: Vec::new(),
        default: false,
        account: get("account"),
        unreachable: get("unreachable"),
        unreachable_detail: get("unreachable_detail"),
        usage: get("usage"),
    };
    if meta.status == KeyStatus::Unreachable {
        meta.status = KeyStatus::Unverified;
    }
    Some(meta)
}

/// One team profile as read: its entry with its keys' metadata (from beside each secret) and
/// this person's sign-in (from this computer) put in, so it is edited like a table of
/// `profiles.toml`.
struct TeamRead {
    /// The whole profile (entry, keys, sign-in) as one document.
    doc: ProfilesDoc,
    /// The entry's version, for check-and-set.
    version: u64,
    /// The entry still lists keys or tokens, as SimCred wrote it before keys' metadata moved
    /// beside the keys: moved out on the next write.
    legacy: bool,
    /// The entry lists sign-in tokens (and so its store may hold the secrets).
    legacy_tokens: bool,
    /// The keys whose metadata is already beside their secret.
    custom: HashSet<String>,
    /// The entry's own `username`, which stays there.
    entry_username: Option<Item>,
    /// This computer's `[signins.NAME]`, as read.
    signin: Option<Table>,
}

impl TeamRead {
    /// A profile that is not there (yet): for a new one, or one removed meanwhile.
    fn absent() -> Self {
        TeamRead {
            doc: Fragment::empty(),
            version: 0,
            legacy: false,
            legacy_tokens: false,
            custom: HashSet::new(),
            entry_username: None,
            signin: None,
        }
    }
}

/// The text of `doc` as it goes to the shared entry of `profile`: without the keys and the
/// sign-in, with the entry's own `username` (which was never this person's).
fn entry_text(
    doc: &ProfilesDoc,
    store: &str,
    profile: &str,
    username: Option<&Item>,
) -> Result<(String, Table)> {
    let mut d = Fragment::parse(store, &entry(profile), &doc.text())?;
    let parts = d.take_team_parts(profile);
    if let Some(u) = username {
        if d.profile(profile).is_some() {
            let mut t = Table::new();
            t.insert("username", u.clone());
            d.put_team_parts(profile, &t);
        }
    }
    Ok((d.text(), parts))
}

/// Where this person exported each key, from their `[signins.NAME]` (`exported.KEY = [paths]`).
fn local_exports(signin: Option<&Table>) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    let Some(t) = signin
        .and_then(|s| s.get(EXPORTED))
        .and_then(|e| e.as_table_like())
    else {
        return out;
    };
    for (k, v) in t.iter() {
        let paths: Vec<String> = v
            .as_array()
            .into_iter()
            .flat_map(|a| a.iter())
            .filter_map(|p| p.as_str())
            .map(str::to_string)
            .collect();
        if !paths.is_empty() {
            out.insert(k.to_string(), paths);
        }
    }
    out
}

/// The text of a table, to compare two.
fn table_text(t: Option<&Table>) -> String {
    t.filter(|t| !t.is_empty())
        .map(|t| {
            // As a document, so its sub-tables (each token's) are in the text too.
            let mut d = toml_edit::DocumentMut::new();
            d.insert("t", Item::Table(t.clone()));
            d.to_string()
        })
        .unwrap_or_default()
}

impl Ctx<'_> {
    /// The profiles of every team store that answers, and the problems met: a store that does
    /// not answer, an entry that does not parse (skipped, named), the entries left unread when
    /// the store's time budget ([`list_budget`]) ran out. Each problem is `(store, why)`.
    pub fn team_profiles(&self) -> (Vec<Profile>, crate::ctx::StoreProblems) {
        let mut out = Vec::new();
        let mut problems = Vec::new();
        let Ok(stores) = self.config.stores() else {
            return (out, problems);
        };
        for cfg in stores.into_iter().filter(|c| c.kind.holds_profiles()) {
            match self.read_team(&cfg.name, &mut problems) {
                Ok(mut ps) => out.append(&mut ps),
                Err(e) => problems.push(StoreProblem {
                    store: cfg.name.clone(),
                    why: e.to_string(),
                    code: e.code(),
                }),
            }
        }
        (out, problems)
    }

    /// The profiles of one store read within its budget; an entry that cannot be read is
    /// skipped and noted in `problems`, so one bad entry hides no other profile. The budget
    /// covers every request: the entries and their keys' metadata alike.
    fn read_team(
        &self,
        store: &str,
        problems: &mut crate::ctx::StoreProblems,
    ) -> Result<Vec<Profile>> {
        let budget = list_budget();
        let deadline = std::time::Instant::now() + budget;
        let team = self.stores.team(store)?;
        let names = team.vault().list("profiles/").map_err(StoreError::from)?;
        let names: Vec<&String> = names.iter().filter(|n| !n.ends_with('/')).collect();
        let mut out = Vec::new();
        for (i, n) in names.iter().enumerate() {
            if std::time::Instant::now() >= deadline {
                let left = &names[i..];
                let shown: Vec<String> = left
                    .iter()
                    .take(5)
                    .map(|n| crate::text::safe(&entry(n)))
                    .collect();
                let more = match left.len() - shown.len() {
                    0 => String::new(),
                    m => format!(" and {m} more"),
                };
                problems.push(StoreProblem {
                    store: store.to_string(),
                    code: "store_offline",
                    why: format!(
                        "{} of {} entries not read within {} s ({}{more}); raise SIMCRED_STORE_TIMEOUT to wait longer",
                        left.len(),
                        names.len(),
                        budget.as_secs(),
                        shown.join(", ")
                    ),
                });
                break;
            }
            match self.read_entry(store, n, deadline, &HashSet::new()) {
                Ok(Some(r)) => {
                    out.extend(r.doc.profiles().iter().filter(|p| &p.name == *n).cloned())
                }
                Ok(None) => {}
                Err(e) => problems.push(StoreProblem {
                    store: store.to_string(),
                    why: format!("entry {} skipped: {e}", crate::text::safe(&entry(n))),
                    code: e.code(),
                }),
            }
        }
        Ok(out)
    }

    /// A team profile as SimCred works on it ([`TeamRead`]), or `None` when the store has no
    /// such entry. Its keys' metadata is read one request per key, checked against `deadline`
    /// before each; the keys in `hide` are left out (ones this edit added itself).
    fn read_entry(
        &self,
        store: &str,
        profile: &str,
        deadline: std::time::Instant,
        hide: &HashSet<String>,
    ) -> Result<Option<TeamRead>> {
        let team = self.stores.team(store)?;
        let Some(v) = team
            .vault()
            .read(&entry(profile))
            .map_err(StoreError::from)?
        else {
            return Ok(None);
        };
        let text = v.data.get("toml").and_then(|t| t.as_str()).unwrap_or("");
        let mut doc = Fragment::parse(store, &entry(profile), text)?;
        let Some(stored) = doc.profile(profile).cloned() else {
            // An entry that holds another name: nothing of it is used.
            return Ok(Some(TeamRead {
                doc,
                version: v.version,
                ..TeamRead::absent()
            }));
        };
        self.stores.place(profile, store);
        let mut parts = doc.take_team_parts(profile);
        let legacy_tokens = parts.contains_key("tokens");
        let legacy = parts.contains_key("keys") || legacy_tokens;
        let entry_username = parts.remove("username");
        // The keys: every secret listed, with the metadata beside it (else, from an entry
        // written before, the entry's); a secret with neither is no key (an add half-way).
        let mut keys: Vec<KeyMeta> = Vec::new();
        let mut custom = HashSet::new();
        let listed = team
            .vault()
            .list(&format!(
                "secrets/{profile}/{}/",
                SecretKind::ApiKey.as_str()
            ))
            .map_err(StoreError::from)?;
        let names = listed
            .iter()
            .filter(|n| !n.ends_with('/') && validate_name("key", n).is_ok())
            .filter(|n| !hide.contains(*n));
        for n in names {
            if std::time::Instant::now() >= deadline {
                return Err(Error::Store(StoreError::Offline(format!(
                    "the keys of profile \"{}\" in store \"{}\" were not all read within {} s; raise SIMCRED_STORE_TIMEOUT to wait longer",
                    crate::text::safe(profile),
                    crate::text::safe(store),
                    list_budget().as_secs()
                ))));
            }
            let meta = team
                .vault()
                .metadata(&key_path(profile, n))
                .map_err(StoreError::from)?;
            match meta.and_then(|m| key_from_custom(n, &m.custom)) {
                Some(k) => {
                    custom.insert(n.clone());
                    keys.push(k);
                }
                None => keys.extend(stored.key(n).cloned()),
            }
        }
        for k in &stored.keys {
            if !keys.iter().any(|x| x.name == k.name) && !hide.contains(&k.name) {
                keys.push(k.clone());
            }
        }
        // This person's sign-in: from this computer; from an entry written before, the
        // entry's until it is moved.
        let signin = self.config.signin(profile)?;
        // Where each key was exported: this computer's record only, never the entry's.
        let exports = local_exports(signin.as_ref());
        for k in &mut keys {
            k.exported = exports.get(&k.name).cloned().unwrap_or_default();
        }
        let mut personal = Table::new();
        if let Some(t) = parts.get("tokens").filter(|_| signin.is_none()) {
            personal.insert("tokens", t.clone());
        }
        if let Some(u) = &entry_username {
            personal.insert("username", u.clone());
        }
        for (k, v) in signin.iter().flat_map(|t| t.iter()) {
            if k != EXPORTED {
                personal.insert(k, v.clone());
            }
        }
        doc.put_team_parts(profile, &personal);
        for k in &keys {
            doc.put_key(profile, k);
        }
        let doc = Fragment::parse(store, &entry(profile), &doc.text())?;
        Ok(Some(TeamRead {
            doc,
            version: v.version,
            legacy,
            legacy_tokens,
            custom,
            entry_username,
            signin,
        }))
    }

    /// The team profile `name` from the first store that has it.
    pub(crate) fn team_profile(&self, name: &str) -> Result<Option<Profile>> {
        Ok(self.team_read(name)?.map(|(_, p, _)| p))
    }

    /// The team profile `name`, its store, and whether its entry still lists sign-in tokens.
    fn team_read(&self, name: &str) -> Result<Option<(String, Profile, bool)>> {
        let stores = self.config.stores()?;
        let placed = self.stores.placed(name);
        let deadline = std::time::Instant::now() + list_budget();
        // The store it was last seen in first, then the others.
        let order = placed
            .iter()
            .cloned()
            .chain(
                stores
                    .into_iter()
                    .filter(|s| s.kind.holds_profiles())
                    .map(|s| s.name),
            )
            .collect::<Vec<_>>();
        for s in order {
            match self.read_entry(&s, name, deadline, &HashSet::new()) {
                Ok(Some(r)) => {
                    if let Some(p) = r.doc.profiles().iter().find(|p| p.name == name) {
                        return Ok(Some((s, p.clone(), r.legacy_tokens)));
                    }
                }
                Ok(None) => {}
                // A store that cannot be asked might hold it: say so rather than "no profile".
                Err(e) if placed.as_deref() == Some(s.as_str()) => return Err(e),
                Err(_) => {}
            }
        }
        Ok(None)
    }

    /// Team profile `name` for use: read, and, when its entry still lists this person's
    /// sign-in as SimCred wrote it before, that sign-in moved to this computer first (said on
    /// stderr in one line; a move that fails says why and changes nothing of the command).
    pub(crate) fn team_profile_for_use(&self, name: &str) -> Result<Option<Profile>> {
        let Some((store, prof, legacy_tokens)) = self.team_read(name)? else {
            return Ok(None);
        };
        if !legacy_tokens {
            return Ok(Some(prof));
        }
        match self.move_signin_here(&store, name) {
            Ok(moved) => eprintln!(
                "simcred: moved your sign-in to team profile \"{name}\" ({}) from team store \"{store}\" to this computer's keyring; teammates no longer see it",
                if moved.is_empty() { "its metadata".to_string() } else { moved.join(", ") }
            ),
            Err(e) => eprintln!(
                "simcred: the sign-in of team profile \"{name}\" is still in team store \"{store}\", where teammates can read it: {e}"
            ),
        }
        Ok(self.team_profile(name)?.or(Some(prof)))
    }

    /// Moves the sign-in secrets of team profile `name` that SimCred once wrote to `store`
    /// into this computer's keyring: each is written here, read back, then that one entry is
    /// deleted from the vault if it still holds the version copied. A secret this keyring
    /// already has is this person's own: the vault's is left alone. Then the metadata moves
    /// (the entry's `tokens` table to `[signins.NAME]`). Returns what moved.
    fn move_signin_here(&self, store: &str, name: &str) -> Result<Vec<&'static str>> {
        let team = self.stores.team(store)?;
        let keyring = self.stores.keyring();
        let mut moved = Vec::new();
        for kind in [
            SecretKind::OfflineToken,
            SecretKind::RefreshToken,
            SecretKind::AccessToken,
            SecretKind::Password,
        ] {
            let id = SecretId::new(name, kind, "default");
            let path = VaultStore::key_of(&id);
            let Some(v) = team.vault().read(&path).map_err(StoreError::from)? else {
                continue;
            };
            let Some(value) = crate::vault_store::value_of(&v) else {
                continue;
            };
            if value.defect().is_some() || keyring.get(&id)?.is_some() {
                continue;
            }
            keyring.set(&id, &value)?;
            if keyring.get(&id)?.as_ref() != Some(&value) {
                return Err(Error::Invalid(format!(
                    "the copy of {} did not read back the same from this computer's keyring; the vault's was kept",
                    id.user()
                )));
            }
            let now = team.vault().read(&path).map_err(StoreError::from)?;
            if now.map(|n| n.version) == Some(v.version) {
                team.vault().delete(&path).map_err(StoreError::from)?;
            }
            moved.push(match kind {
                SecretKind::OfflineToken => "offline token",
                SecretKind::RefreshToken => "session",
                SecretKind::AccessToken => "access token",
                _ => "password",
            });
        }
        // A write moves the metadata: the entry's tokens to this computer.
        self.update_profile(name, |_| Ok::<_, Error>(()))?;
        Ok(moved)
    }

    /// Writes team profile `profile` as `after` (a whole profile, as [`TeamRead::doc`]) over
    /// `before` (as read; [`TeamRead::absent`] for a new one): each key's metadata that
    /// changed (or that the entry still held) beside its secret, this person's sign-in to
    /// `[signins.NAME]` here, and the rest to the shared entry with check-and-set on
    /// `before.version` — only when it changed, or to move an old entry's keys and tokens out
    /// of it. The keys whose metadata this write created are added to `added`.
    fn write_team(
        &self,
        store: &str,
        profile: &str,
        before: &TeamRead,
        after: &ProfilesDoc,
        added: &mut HashSet<String>,
    ) -> Result<()> {
        let team = self.stores.team(store)?;
        let after = Fragment::parse(store, &entry(profile), &after.text())?;
        let old = before.doc.profile(profile);
        // 1. Beside each key: its metadata, where it changed or still is in the entry only.
        if let Some(new) = after.profile(profile) {
            for k in &new.keys {
                // Where it was exported is this person's (below), not the key's metadata.
                let was = old.and_then(|o| o.key(&k.name)).map(|o| KeyMeta {
                    default: k.default,
                    exported: k.exported.clone(),
                    ..o.clone()
                });
                let migrate = before.legacy && !before.custom.contains(&k.name);
                if was.as_ref() != Some(k) || migrate {
                    team.vault()
                        .set_custom_metadata(&key_path(profile, &k.name), &key_to_custom(k))
                        .map_err(StoreError::from)?;
                    if was.is_none() {
                        added.insert(k.name.clone());
                    }
                }
            }
        }
        // 2. The shared entry, and this person's part.
        let username = before.entry_username.as_ref();
        let (new_entry, parts) = entry_text(&after, store, profile, username)?;
        let (old_entry, _) = entry_text(&before.doc, store, profile, username)?;
        let mut mine = Table::new();
        if let Some(t) = parts.get("tokens") {
            mine.insert("tokens", t.clone());
        }
        if let Some(u) = parts.get("username") {
            let own = before
                .signin
                .as_ref()
                .is_some_and(|s| s.contains_key("username"));
            if own || username.map(|e| e.to_string()) != Some(u.to_string()) {
                mine.insert("username", u.clone());
            }
        }
        let mut exports = Table::new();
        for k in after.profile(profile).iter().flat_map(|p| p.keys.iter()) {
            if !k.exported.is_empty() {
                exports.insert(
                    &k.name,
                    toml_edit::value(k.exported.iter().collect::<toml_edit::Array>()),
                );
            }
        }
        if !exports.is_empty() {
            mine.insert(EXPORTED, Item::Table(exports));
        }
        let personal_changed = table_text(Some(&mine)) != table_text(before.signin.as_ref());
        let write_personal = |mine: &Table| {
            self.config.update(|d| {
                d.set_signin(profile, Some(mine));
                Ok::<_, Error>(())
            })
        };
        let creating = before.version == 0;
        if personal_changed && !creating {
            // Before the entry loses an old sign-in's metadata, so it is never in neither.
            write_personal(&mine)?;
        }
        let entry_changed = new_entry != old_entry;
        if entry_changed || creating || before.legacy {
            let mut data = Map::new();
            data.insert("toml".into(), Value::String(new_entry));
            match team.vault().write(&entry(profile), &data, before.version) {
                Ok(_) => {}
                // Only moving an old entry's keys out: another time (another teammate may
                // have done it, or may be the one with write access).
                Err(_) if !entry_changed && !creating => {}
                Err(e) => return Err(StoreError::from(e).into()),
            }
        }
        if personal_changed && creating {
            write_personal(&mine)?;
        }
        Ok(())
    }

    /// Runs `f` on the document that holds `profile` — `profiles.toml` for a local profile, its
    /// team store's entry for a team one — and writes the result. A team profile's document
    /// is the whole profile ([`TeamRead`]); what `f` changed goes where it belongs
    /// ([`Ctx::write_team`]), so adds of different keys never contend. A write of the shared
    /// entry that loses a check-and-set race runs `f` again on the fresh version.
    pub fn update_profile<T, E>(
        &self,
        profile: &str,
        mut f: impl FnMut(&mut ProfilesDoc) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E>
    where
        E: From<crate::config::ConfigError> + From<Error>,
    {
        let local = self.config.read().map_err(E::from)?;
        let store = match local.iter().find(|p| p.name == profile) {
            Some(_) => None,
            None => self.stores.placed(profile).or_else(|| {
                self.team_profile(profile)
                    .ok()
                    .flatten()
                    .and_then(|p| p.store)
            }),
        };
        let Some(store) = store else {
            return self.config.update(f);
        };
        let deadline = std::time::Instant::now() + list_budget();
        // Keys this edit added (their metadata written) before its entry write lost a race:
        // hidden from `f` when it runs again, as they were the first time.
        let mut added = HashSet::new();
        for _ in 0..RETRIES {
            let read = match self
                .read_entry(&store, profile, deadline, &added)
                .map_err(E::from)?
            {
                Some(r) => r,
                // Removed meanwhile: let `f` say so (it finds no profile).
                None => TeamRead::absent(),
            };
            let mut doc =
                Fragment::parse(&store, &entry(profile), &read.doc.text()).map_err(E::from)?;
            let before = doc.text();
            let out = f(&mut doc)?;
            if doc.text() == before && !read.legacy {
                return Ok(out);
            }
            if read.doc.profile(profile).is_none() {
                // Gone meanwhile and `f` did not mind: nothing to write it to.
                return Ok(out);
            }
            match self.write_team(&store, profile, &read, &doc, &mut added) {
                Ok(()) => return Ok(out),
                Err(Error::Store(StoreError::Conflict(_))) => continue,
                Err(e) => return Err(E::from(e)),
            }
        }
        Err(E::from(Error::Store(StoreError::Conflict(format!(
            "profile \"{profile}\" in store \"{store}\" kept changing while SimCred edited it; try again"
        )))))
    }

    /// Creates team profile `name` in `store` with `f` (which inserts it), refusing a name the
    /// store already has. Keys and sign-in `f` puts in go where they belong, as for every
    /// write ([`Ctx::write_team`]).
    pub(crate) fn create_team_profile<T>(
        &self,
        store: &str,
        name: &str,
        f: impl FnOnce(&mut ProfilesDoc) -> Result<T>,
    ) -> Result<T> {
        let mut doc = Fragment::empty();
        let out = f(&mut doc)?;
        let mut before = TeamRead::absent();
        // An empty profile of that name: what the write compares with.
        before.doc = Fragment::parse(store, &entry(name), "")?;
        match self.write_team(store, name, &before, &doc, &mut HashSet::new()) {
            Ok(()) => {
                self.stores.place(name, store);
                Ok(out)
            }
            Err(Error::Store(StoreError::Conflict(_))) => {
                Err(Error::ProfileExists(format!("{name} (in store {store})")))
            }
            Err(e) => Err(e),
        }
    }

    /// Deletes team profile `name`'s entry (its secrets are deleted by the caller first), and
    /// this person's part of it here.
    pub(crate) fn remove_team_profile(&self, store: &str, name: &str) -> Result<()> {
        let team = self.stores.team(store)?;
        team.vault()
            .delete(&entry(name))
            .map_err(|e: VaultError| Error::Store(e.into()))?;
        self.stores.unplace(name);
        self.config.update(|d| {
            d.set_signin(name, None);
            Ok::<_, Error>(())
        })?;
        Ok(())
    }
}

/// Every secret a profile can have: its keys, and the sign-in secrets under `default`.
fn secret_ids(p: &Profile) -> Vec<crate::store::SecretId> {
    use crate::store::{SecretId, SecretKind};
    let mut ids: Vec<SecretId> = p
        .keys
        .iter()
        .map(|k| SecretId::new(&p.name, SecretKind::ApiKey, &k.name))
        .collect();
    for kind in [
        SecretKind::OfflineToken,
        SecretKind::AccessToken,
        SecretKind::RefreshToken,
        SecretKind::Password,
    ] {
        ids.push(SecretId::new(&p.name, kind, "default"));
    }
    ids
}

impl Ctx<'_> {
    /// The store that holds a secret of profile `p` (its team store's, else the keyring).
    fn holder(
        &self,
        team: Option<&str>,
    ) -> Result<std::sync::Arc<dyn crate::store::SecretStore + '_>> {
        Ok(match team {
            Some(t) => self.stores.secrets_in(t)?,
            None => std::sync::Arc::new(KeyringRef(self.stores.keyring())),
        })
    }

    /// Moves profile `name` and its secrets to team store `to` (`None`: this machine's
    /// `profiles.toml` and keyring). The target is checked before anything is written: a
    /// profile or secret of that name there refuses the move, and nothing is overwritten. The
    /// copy is written create-only (check-and-set on "absent") and read back before the source
    /// is deleted; a failure before that leaves the source as it was and removes only the
    /// copies this move wrote (still holding what it wrote).
    pub fn move_profile(&self, name: &str, to: Option<&str>) -> Result<Profile> {
        let prof = self.profile(name)?;
        let local = self.config.read()?.iter().any(|p| p.name == name);
        let from = if local { None } else { prof.store.clone() };
        // Where the secrets are now: a local profile with `store = "x"` keeps them in x.
        let secrets_from = prof.store.clone();
        // A store that keeps only secrets (the kernel keyring): the profile stays local.
        let stores = self.config.stores()?;
        let to_kernel = to.is_some_and(|t| {
            stores
                .iter()
                .any(|s| s.name == t && !s.kind.holds_profiles())
        });
        let to_local = to.is_none() || to_kernel;
        let already = (from.as_deref() == to && (to.is_some() || secrets_from.is_none()))
            || (local && to_kernel && secrets_from.as_deref() == to);
        if already {
            return Err(Error::Invalid(format!(
                "profile \"{name}\" is already {}",
                to.map(|t| format!("in store \"{t}\""))
                    .unwrap_or_else(|| "on this machine".into())
            )));
        }
        if let Some(t) = to {
            self.config.store(t)?;
        }
        // The profile's table as it is now.
        let item = match &from {
            None => {
                let mut item = None;
                self.config.update(|doc| {
                    item = doc.profile_item(name);
                    Ok::<_, Error>(())
                })?;
                item
            }
            // The whole profile: its keys' metadata and this person's sign-in with it.
            Some(s) => self
                .read_entry(
                    s,
                    name,
                    std::time::Instant::now() + list_budget(),
                    &HashSet::new(),
                )?
                .and_then(|r| r.doc.profile_item(name)),
        }
        .ok_or_else(|| Error::Invalid(format!("profile \"{name}\" vanished meanwhile")))?;
        // The target first, before anything is written: no profile of that name there, and
        // no secret where the copies would go.
        let taken = match to {
            Some(t) if !to_local => self
                .read_entry(
                    t,
                    name,
                    std::time::Instant::now() + list_budget(),
                    &HashSet::new(),
                )?
                .is_some()
                .then(|| format!("{name} (in store {t})")),
            _ if from.is_some() => self
                .config
                .read()?
                .iter()
                .any(|p| p.name == name)
                .then(|| format!("{name} (on this computer)")),
            _ => None,
        };
        if let Some(what) = taken {
            return Err(Error::ProfileExists(what));
        }
        // Where each secret is and goes: keys with the profile's secrets; a person's sign-in
        // with them too, except that of a team profile, which is in this computer's keyring.
        let at = |personal: bool, team: bool, store: Option<&str>| -> Option<String> {
            if personal && team {
                None
            } else {
                store.map(String::from)
            }
        };
        let mut todo = Vec::new();
        for id in secret_ids(&prof) {
            let personal = id.kind.is_personal();
            let src_at = at(personal, from.is_some(), secrets_from.as_deref());
            let dst_at = at(personal, !to_local, to);
            // Already where it goes (a local profile whose secrets are in the target store).
            if src_at == dst_at {
                continue;
            }
            let (src, dst) = (
                self.holder(src_at.as_deref())?,
                self.holder(dst_at.as_deref())?,
            );
            if let Some(v) = src.get(&id)? {
                if dst.get(&id)?.is_some() {
                    return Err(Error::Invalid(format!(
                        "{} already holds {}; nothing was moved and nothing there was overwritten",
                        dst.backend(),
                        id.user()
                    )));
                }
                todo.push((id, v, src, dst));
            }
        }
        // Copy the secrets, create-only, then read them back.
        let mut copied = Vec::new();
        let result = (|| -> Result<()> {
            for (id, v, src, dst) in &todo {
                // Absent a moment ago: a writer in between makes this fail, never lose.
                dst.replace(id, None, v)?;
                copied.push((id.clone(), v.clone(), src.clone(), dst.clone()));
                if dst.get(id)?.as_ref() != Some(v) {
                    return Err(Error::Invalid(format!(
                        "the copy of {} did not read back the same; nothing was moved",
                        id.user()
                    )));
                }
            }
            // Then the metadata: local (this machine, or a store of secrets only) or whole
            // in the team store.
            match to {
                Some(t) if !to_local => self.create_team_profile(t, name, |doc| {
                    doc.put_profile_item(name, item.clone());
                    Ok(())
                }),
                _ => self.config.update(|doc| {
                    if from.is_some() {
                        // From a team store: the profile is new here.
                        if doc.profile(name).is_some() {
                            return Err(Error::ProfileExists(name.to_string()));
                        }
                        doc.put_profile_item(name, item.clone());
                    }
                    doc.set_store(name, to.filter(|_| to_kernel));
                    Ok(())
                }),
            }
        })();
        if let Err(e) = result {
            // Only what this move wrote, and only while it still holds that.
            for (id, v, _, dst) in &copied {
                if dst.get(id).ok().flatten().as_ref() == Some(v) {
                    let _ = dst.delete(id);
                }
            }
            return Err(e);
        }
        // The copy is complete: remove the source's metadata, then its secrets.
        match &from {
            // Still the same local profile, its `store` changed.
            None if to_local => {}
            None => self.config.update(|doc| {
                doc.remove_profile(name);
                Ok::<_, Error>(())
            })?,
            Some(s) => self.remove_team_profile(s, name)?,
        }
        if let Some(t) = to.filter(|_| !to_local) {
            self.stores.place(name, t);
        }
        for (id, _, src, _) in &copied {
            src.delete(id)?;
        }
        self.profile(name)
    }
}

/// The keyring as a shareable store handle.
struct KeyringRef<'a>(&'a dyn crate::store::SecretStore);

impl crate::store::SecretStore for KeyringRef<'_> {
    fn backend(&self) -> String {
        self.0.backend()
    }
    fn get(
        &self,
        id: &crate::store::SecretId,
    ) -> std::result::Result<Option<crate::Secret>, StoreError> {
        self.0.get(id)
    }
    fn set(
        &self,
        id: &crate::store::SecretId,
        s: &crate::Secret,
    ) -> std::result::Result<(), StoreError> {
        self.0.set(id, s)
    }
    fn delete(&self, id: &crate::store::SecretId) -> std::result::Result<bool, StoreError> {
        self.0.delete(id)
    }
    fn probe(&self) -> std::result::Result<(), StoreError> {
        self.0.probe()
    }
}

impl Ctx<'_> {
    /// The versions of a key of a team profile (when each value was written; never the
    /// values), oldest first. Local profiles keep no history.
    pub fn key_history(
        &self,
        profile: &str,
        name: Option<&str>,
    ) -> Result<Vec<crate::vault::VersionInfo>> {
        let prof = self.profile(profile)?;
        let key = crate::profile::resolve_key(&prof, name)?.name.clone();
        let Some(store) = prof.store.clone() else {
            return Err(Error::Invalid(format!(
                "profile \"{profile}\" is kept in this machine's keyring, which keeps no history; only team stores keep a key's versions"
            )));
        };
        let team = self.stores.team(&store)?;
        let id = crate::store::SecretId::new(profile, crate::store::SecretKind::ApiKey, &key);
        Ok(team
            .vault()
            .versions(&crate::stores::VaultStore::key_of(&id))
            .map_err(StoreError::from)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> KeyMeta {
        KeyMeta {
            name: "k".into(),
            created: "2026-01-01T00:00:00Z".into(),
            last4: "abcd".into(),
            status: KeyStatus::Valid,
            checked: Some("2026-01-02T00:00:00Z".into()),
            detail: Some("user ann".into()),
            exported: vec!["/home/ann/a.ini".into(), "/home/ann/b.key".into()],
            account: Some("ann@example.com".into()),
            ..Default::default()
        }
    }

    #[test]
    fn key_metadata_round_trips_through_custom_metadata() {
        let c = key_to_custom(&meta());
        // All but where it was exported, which is never shared.
        assert!(!c.values().any(|v| v.contains("/home/ann")), "{c:?}");
        let mine = KeyMeta {
            exported: vec![],
            ..meta()
        };
        assert_eq!(key_from_custom("k", &c), Some(mine));
        // Nothing SimCred wrote: no key metadata.
        assert_eq!(key_from_custom("k", &BTreeMap::new()), None);
    }

    #[test]
    fn custom_metadata_stays_within_the_engines_limits() {
        let mut m = meta();
        m.detail = Some("é".repeat(600));
        let c = key_to_custom(&m);
        assert!(c.len() <= crate::vault::CUSTOM_MAX_KEYS, "{}", c.len());
        for (k, v) in &c {
            assert!(k.len() <= crate::vault::CUSTOM_MAX_KEY_LEN, "{k}");
            assert!(v.len() <= CUSTOM_MAX_VALUE_LEN, "{k}: {}", v.len());
        }
        let back = key_from_custom("k", &c).unwrap();
        assert!(back.detail.unwrap().starts_with("éé"));
    }

    #[test]
    fn hostile_custom_metadata_is_made_safe() {
        let mut c = key_to_custom(&meta());
        c.insert("last4".into(), "\u{1b}]52;c;AAAA\u{7}".into());
        c.insert("status".into(), "pwned".into());
        c.insert("exported.0".into(), "/etc/passwd\n[evil]".into());
        let k = key_from_custom("k", &c).unwrap();
        assert!(
            !k.last4.chars().any(crate::text::is_unsafe),
            "{:?}",
            k.last4
        );
        assert_eq!(k.status, KeyStatus::Unverified);
        // A teammate's paths are never taken for files of this computer.
        assert!(k.exported.is_empty(), "{:?}", k.exported);
    }
}
