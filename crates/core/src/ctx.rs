//! [`Ctx`]: what every part of SimCred works with — the profiles file and the secret store —
//! borrowed from the [`crate::Simcred`] facade. The parts add their operations to it in their
//! own modules (`profiles`, `keys`, `signin`, `vendor`), so no part imports another's module
//! and the facade stays a list of one-line calls.

use crate::config::ConfigStore;
use crate::error::Result;
use crate::profile::{find_profile, Profile};
use crate::store::SecretStore;
pub use crate::store_problem::{StoreProblem, StoreProblems};

/// The profiles file and the secret store, borrowed.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub(crate) config: &'a ConfigStore,
    pub(crate) store: &'a dyn SecretStore,
    pub(crate) stores: &'a crate::stores::Stores,
}

impl<'a> Ctx<'a> {
    /// A context over a profiles file and the stores (the keyring and the team stores).
    pub fn new(config: &'a ConfigStore, stores: &'a crate::stores::Stores) -> Self {
        Ctx {
            config,
            store: stores,
            stores,
        }
    }

    /// The profiles file.
    pub fn config(&self) -> &'a ConfigStore {
        self.config
    }

    /// The secret store.
    pub fn store(&self) -> &'a dyn SecretStore {
        self.store
    }

    /// Every profile, local and from the team stores this user can read, sorted by name.
    pub fn list_profiles(&self) -> Result<Vec<Profile>> {
        Ok(self.all_profiles()?.0)
    }

    /// Every profile, local and in team stores (a local one hides a team one of the same
    /// name), sorted by name; and the stores that could not be read, with why.
    pub fn all_profiles(&self) -> Result<(Vec<Profile>, StoreProblems)> {
        let mut all = self.config.read()?;
        let (team, problems) = self.team_profiles();
        for t in team {
            if !all.iter().any(|p| p.name == t.name) {
                all.push(t);
            }
        }
        all.sort_by(|a, b| a.name.cmp(&b.name));
        Ok((all, problems))
    }

    /// One profile by name (local first, then the team stores).
    pub fn profile(&self, name: &str) -> Result<Profile> {
        let local = self.config.read()?;
        if let Some(p) = local.iter().find(|p| p.name == name) {
            return Ok(p.clone());
        }
        if let Some(p) = self.team_profile_for_use(name)? {
            return Ok(p);
        }
        let (team, problems) = self.team_profiles();
        let mut all = local;
        all.extend(team);
        all.sort_by(|a, b| a.name.cmp(&b.name));
        match (find_profile(&all, name), problems.first()) {
            (Ok(p), _) => Ok(p.clone()),
            // It may be in a store that cannot be read now: say which and why, with the
            // store's error code (the caller fixes the store, not the name).
            (Err(_), Some(problem)) => Err(crate::Error::InUnreadableStore {
                name: name.to_string(),
                problem: problem.clone(),
            }),
            (Err(e), None) => Err(e),
        }
    }
}
