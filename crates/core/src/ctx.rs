//! [`Ctx`]: what every part of SimCred works with — the profiles file and the secret store —
//! borrowed from the [`crate::Simcred`] facade. The parts add their operations to it in their
//! own modules (`profiles`, `keys`, `signin`, `vendor`), so no part imports another's module
//! and the facade stays a list of one-line calls.

use crate::config::ConfigStore;
use crate::error::Result;
use crate::profile::{find_profile, Profile};
use crate::store::SecretStore;

/// The profiles file and the secret store, borrowed.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub(crate) config: &'a ConfigStore,
    pub(crate) store: &'a dyn SecretStore,
}

impl<'a> Ctx<'a> {
    /// A context over a profiles file and a store.
    pub fn new(config: &'a ConfigStore, store: &'a dyn SecretStore) -> Self {
        Ctx { config, store }
    }

    /// The profiles file.
    pub fn config(&self) -> &'a ConfigStore {
        self.config
    }

    /// The secret store.
    pub fn store(&self) -> &'a dyn SecretStore {
        self.store
    }

    /// Every profile, sorted by name.
    pub fn list_profiles(&self) -> Result<Vec<Profile>> {
        Ok(self.config.read()?)
    }

    /// One profile by name.
    pub fn profile(&self, name: &str) -> Result<Profile> {
        let all = self.config.read()?;
        find_profile(&all, name).cloned()
    }
}
