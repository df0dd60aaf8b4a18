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

fn entry(profile: &str) -> String {
    format!("profiles/{profile}")
}

impl Ctx<'_> {
    /// The profiles of every team store that answers, and for each store that does not, why.
    pub fn team_profiles(&self) -> (Vec<Profile>, Vec<(String, String)>) {
        let mut out = Vec::new();
        let mut problems = Vec::new();
        let Ok(stores) = self.config.stores() else {
            return (out, problems);
        };
        for cfg in stores {
            match self.read_team(&cfg.name) {
                Ok(mut ps) => out.append(&mut ps),
                Err(e) => problems.push((cfg.name.clone(), e.to_string())),
            }
        }
        (out, problems)
    }

    fn read_team(&self, store: &str) -> Result<Vec<Profile>> {
        let team = self.stores.team(store)?;
        let names = team.vault().list("profiles/").map_err(StoreError::from)?;
        let mut out = Vec::new();
        for n in names.iter().filter(|n| !n.ends_with('/')) {
            if let Some(doc) = self.read_entry(store, n)?.map(|(d, _)| d) {
                out.extend(doc.profiles().iter().filter(|p| &p.name == n).cloned());
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
