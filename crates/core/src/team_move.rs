//! Moving a profile, with its secrets, between this computer (`profiles.toml` and the keyring)
//! and a team store, or between team stores: the target checked first, the copy written
//! create-only and read back before the source is deleted, and on a failure only the copies this
//! move wrote removed (see [`Ctx::move_profile`]).

use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::profile::Profile;
use crate::store::StoreError;
use crate::team::list_budget;
use std::collections::HashSet;

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
