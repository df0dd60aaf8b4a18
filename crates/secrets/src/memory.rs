//! An in-memory [`SecretStore`] for tests only (feature `memory`, and this crate's own unit
//! tests): secrets in a map, nothing on disk or on a bus. [`MemoryStore::fail_with`] makes every
//! later call fail, so a test can show what the caller does when the store breaks mid-way.

use crate::secret::Secret;
use crate::store::{SecretId, SecretKind, SecretStore, StoreError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Secrets in memory; see the module doc. Clones share the secrets (and the failure), as two
/// handles on one keyring do.
#[derive(Default, Clone)]
pub struct MemoryStore {
    map: Arc<Mutex<HashMap<String, String>>>,
    /// When set, every call fails with [`StoreError::Failed`] and this text.
    failing: Arc<Mutex<Option<String>>>,
}

impl MemoryStore {
    /// From now on every call fails with `StoreError::Failed(reason)` (`None`: works again).
    pub fn fail_with(&self, reason: Option<&str>) {
        *lock(&self.failing) = reason.map(str::to_string);
    }

    fn check(&self) -> Result<(), StoreError> {
        match lock(&self.failing).as_ref() {
            Some(r) => Err(StoreError::Failed(r.clone())),
            None => Ok(()),
        }
    }
}

/// A poisoned lock only means another test thread panicked; the map is still usable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl SecretStore for MemoryStore {
    fn backend(&self) -> String {
        "memory (tests only)".into()
    }
    fn get(&self, id: &SecretId) -> Result<Option<Secret>, StoreError> {
        self.check()?;
        Ok(lock(&self.map).get(&id.user()).map(Secret::new))
    }
    fn set(&self, id: &SecretId, secret: &Secret) -> Result<(), StoreError> {
        self.check()?;
        lock(&self.map).insert(id.user(), secret.expose().to_string());
        Ok(())
    }
    fn delete(&self, id: &SecretId) -> Result<bool, StoreError> {
        self.check()?;
        Ok(lock(&self.map).remove(&id.user()).is_some())
    }
    fn probe(&self) -> Result<(), StoreError> {
        self.check()
    }
    fn list(&self, profile: &str) -> Result<Option<Vec<SecretId>>, StoreError> {
        self.check()?;
        let prefix = format!("{profile}/");
        let map = lock(&self.map);
        Ok(Some(
            map.keys()
                .filter_map(|k| k.strip_prefix(&prefix))
                .filter_map(|rest| {
                    let (kind, name) = rest.split_once('/')?;
                    Some(SecretId::new(profile, SecretKind::parse(kind)?, name))
                })
                .collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_store_fails_every_call_until_told_otherwise() {
        let m = MemoryStore::default();
        let id = SecretId::new("p", SecretKind::ApiKey, "k");
        m.set(&id, &Secret::new("v")).unwrap();
        m.fail_with(Some("disk on fire"));
        let e = m.get(&id).unwrap_err();
        assert!(e.to_string().contains("disk on fire"), "{e}");
        assert!(m.set(&id, &Secret::new("w")).is_err());
        m.fail_with(None);
        assert_eq!(m.get(&id).unwrap().unwrap().expose(), "v");
    }
}
