//! Team profiles: profiles kept whole in a team store — settings, key and token metadata at
//! `{prefix}/profiles/{name}` (the profile's `profiles.toml` table as TOML text), secrets at
//! `{prefix}/secrets/{name}/…` — so a teammate who adds the store and logs in sees them with no
//! other step. Every metadata write is check-and-set: an edit that loses a race is run again on
//! the fresh version (so two teammates adding keys at once both keep theirs), and an edit whose
//! premise no longer holds fails with its own error; nothing is overwritten blindly.

use crate::config::{Fragment, ProfilesDoc};
use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::profile::Profile;
use crate::store::StoreError;
use crate::vault::VaultError;
use serde_json::{Map, Value};

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

impl Ctx<'_> {
    /// The profiles of every team store that answers, and the problems met: a store that does
    /// not answer, an entry that does not parse (skipped, named), the entries left unread when
    /// the store's time budget ([`list_budget`]) ran out. Each problem is `(store, why)`.
    pub fn team_profiles(&self) -> (Vec<Profile>, Vec<(String, String)>) {
        let mut out = Vec::new();
        let mut problems = Vec::new();
        let Ok(stores) = self.config.stores() else {
            return (out, problems);
        };
        for cfg in stores.into_iter().filter(|c| c.kind.holds_profiles()) {
            match self.read_team(&cfg.name, &mut problems) {
                Ok(mut ps) => out.append(&mut ps),
                Err(e) => problems.push((cfg.name.clone(), e.to_string())),
            }
        }
        (out, problems)
    }

    /// The profiles of one store read within its budget; an entry that cannot be read is
    /// skipped and noted in `problems`, so one bad entry hides no other profile.
    fn read_team(&self, store: &str, problems: &mut Vec<(String, String)>) -> Result<Vec<Profile>> {
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
                problems.push((
                    store.to_string(),
                    format!(
                        "{} of {} entries not read within {} s ({}{more}); raise SIMCRED_STORE_TIMEOUT to wait longer",
                        left.len(),
                        names.len(),
                        budget.as_secs(),
                        shown.join(", ")
                    ),
                ));
                break;
            }
            match self.read_entry(store, n) {
                Ok(Some((doc, _))) => {
                    out.extend(doc.profiles().iter().filter(|p| &p.name == *n).cloned())
                }
                Ok(None) => {}
                Err(e) => problems.push((
                    store.to_string(),
                    format!("entry {} skipped: {e}", crate::text::safe(&entry(n))),
                )),
            }
        }
        Ok(out)
    }

    /// A team profile's document and version, or `None` when the store has no such profile.
    fn read_entry(&self, store: &str, profile: &str) -> Result<Option<(ProfilesDoc, u64)>> {
        let team = self.stores.team(store)?;
        let Some(v) = team
            .vault()
            .read(&entry(profile))
            .map_err(StoreError::from)?
        else {
            return Ok(None);
        };
        let text = v.data.get("toml").and_then(|t| t.as_str()).unwrap_or("");
        let doc = Fragment::parse(store, &entry(profile), text)?;
        if doc.profiles().iter().any(|p| p.name == profile) {
            self.stores.place(profile, store);
        }
        Ok(Some((doc, v.version)))
    }

    /// The team profile `name` from the first store that has it.
    pub(crate) fn team_profile(&self, name: &str) -> Result<Option<Profile>> {
        let stores = self.config.stores()?;
        let placed = self.stores.placed(name);
        // The store it was last seen in first, then the others.
        let order = placed
            .iter()
            .cloned()
            .chain(stores.into_iter().map(|s| s.name))
            .collect::<Vec<_>>();
        for s in order {
            match self.read_entry(&s, name) {
                Ok(Some((doc, _))) => {
                    if let Some(p) = doc.profiles().iter().find(|p| p.name == name) {
                        return Ok(Some(p.clone()));
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

    /// Writes a team profile's document with check-and-set on `version` (0: a new profile).
    fn write_entry(
        &self,
        store: &str,
        profile: &str,
        doc: &ProfilesDoc,
        version: u64,
    ) -> Result<()> {
        let team = self.stores.team(store)?;
        let mut data = Map::new();
        data.insert("toml".into(), Value::String(doc.text()));
        match team.vault().write(&entry(profile), &data, version) {
            Ok(_) => Ok(()),
            Err(e) => Err(StoreError::from(e).into()),
        }
    }

    /// Runs `f` on the document that holds `profile` — `profiles.toml` for a local profile, its
    /// team store's entry for a team one — and writes the result. A team write that loses a
    /// check-and-set race runs `f` again on the fresh version.
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
        for _ in 0..RETRIES {
            let (mut doc, version) = match self.read_entry(&store, profile).map_err(E::from)? {
                Some(d) => d,
                // Removed meanwhile: let `f` say so (it finds no profile).
                None => (Fragment::empty(), 0),
            };
            let before = doc.text();
            let out = f(&mut doc)?;
            if doc.text() == before {
                return Ok(out);
            }
            match self.write_entry(&store, profile, &doc, version) {
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
    /// store already has.
    pub(crate) fn create_team_profile<T>(
        &self,
        store: &str,
        name: &str,
        f: impl FnOnce(&mut ProfilesDoc) -> Result<T>,
    ) -> Result<T> {
        let mut doc = Fragment::empty();
        let out = f(&mut doc)?;
        match self.write_entry(store, name, &doc, 0) {
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

    /// Deletes team profile `name`'s entry (its secrets are deleted by the caller first).
    pub(crate) fn remove_team_profile(&self, store: &str, name: &str) -> Result<()> {
        let team = self.stores.team(store)?;
        team.vault()
            .delete(&entry(name))
            .map_err(|e: VaultError| Error::Store(e.into()))?;
        self.stores.unplace(name);
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
            Some(s) => self
                .read_entry(s, name)?
                .and_then(|(d, _)| d.profile_item(name)),
        }
        .ok_or_else(|| Error::Invalid(format!("profile \"{name}\" vanished meanwhile")))?;
        // The target first, before anything is written: no profile of that name there, and
        // no secret where the copies would go.
        let taken = match to {
            Some(t) if !to_local => self
                .read_entry(t, name)?
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
        let src = self.holder(secrets_from.as_deref())?;
        let dst = self.holder(to)?;
        // A local profile whose secrets are already in the target store keeps them there.
        let same_place = secrets_from.as_deref() == to;
        let mut todo = Vec::new();
        for id in secret_ids(&prof).into_iter().filter(|_| !same_place) {
            if let Some(v) = src.get(&id)? {
                if dst.get(&id)?.is_some() {
                    return Err(Error::Invalid(format!(
                        "{} already holds {}; nothing was moved and nothing there was overwritten",
                        dst.backend(),
                        id.user()
                    )));
                }
                todo.push((id, v));
            }
        }
        // Copy the secrets, create-only, then read them back.
        let mut copied: Vec<(crate::store::SecretId, crate::Secret)> = Vec::new();
        let result = (|| -> Result<()> {
            for (id, v) in &todo {
                // Absent a moment ago: a writer in between makes this fail, never lose.
                dst.replace(id, None, v)?;
                copied.push((id.clone(), v.clone()));
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
            for (id, v) in &copied {
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
        for (id, _) in &copied {
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
