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
use crate::profile::{validate_name, KeyMeta, Profile};
use crate::store::{SecretId, SecretKind, StoreError};
use crate::stores::VaultStore;
use crate::team_entry::{entry, entry_text, local_exports, table_text, TeamRead, EXPORTED};
use crate::team_keys::{key_from_custom, key_path, key_to_custom};
use crate::vault::VaultError;
use serde_json::{Map, Value};
use std::collections::HashSet;
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
    pub(crate) fn read_entry(
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
