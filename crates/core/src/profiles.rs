//! Profiles: create, edit and remove them (settings checked against the service's descriptors
//! in the registry). Removing a profile deletes its secrets first, outside the file lock.

use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::profile::{find_profile, validate_name, Profile, Service};
use crate::settings::{check_setting_names, validate_profile};
use crate::store::{SecretId, SecretKind};

impl Ctx<'_> {
    /// Creates a profile. `settings` are `name=value` pairs checked against the service.
    pub fn add_profile(
        &self,
        name: &str,
        service: Service,
        settings: &[(String, String)],
    ) -> Result<Profile> {
        self.add_profile_in(name, service, settings, None)
    }

    /// Creates a profile whose secrets live in the team store `store` (`None`: the OS keyring).
    pub fn add_profile_in(
        &self,
        name: &str,
        service: Service,
        settings: &[(String, String)],
        store: Option<&str>,
    ) -> Result<Profile> {
        validate_name("profile", name).map_err(Error::Invalid)?;
        if let Some(st) = store {
            self.config.store(st)?;
        }
        check_setting_names(service, settings.iter().map(|(k, _)| k.as_str()))?;
        let make = |doc: &mut crate::config::ProfilesDoc| {
            if doc.profile(name).is_some() {
                return Err(Error::ProfileExists(name.to_string()));
            }
            let prof = new_profile(name, service, settings, store)?;
            doc.insert_profile(name, service);
            for (k, v) in &prof.settings {
                doc.set_setting(name, k, Some(v));
            }
            Ok(prof)
        };
        let secrets_only = match store {
            Some(st) => self
                .config
                .stores()?
                .iter()
                .any(|s| s.name == st && !s.kind.holds_profiles()),
            None => false,
        };
        match store {
            // Local, its secrets in the keyring or (secrets_only) the named store.
            None => self.config.update(make),
            Some(_) if secrets_only => self.config.update(|doc| {
                let prof = make(doc)?;
                doc.set_store(name, store);
                Ok(prof)
            }),
            // A team profile lives whole in its store; no name may be both local and team.
            Some(st) => {
                if self.config.read()?.iter().any(|p| p.name == name) {
                    return Err(Error::ProfileExists(name.to_string()));
                }
                self.create_team_profile(st, name, make)
            }
        }
    }

    /// Changes settings of a profile: `set` pairs, then `unset` names.
    pub fn edit_profile(
        &self,
        name: &str,
        set: &[(String, String)],
        unset: &[String],
    ) -> Result<Profile> {
        self.update_profile(name, |doc| {
            let mut prof = find_profile(doc.profiles(), name)?.clone();
            check_setting_names(
                prof.service,
                set.iter()
                    .map(|(k, _)| k.as_str())
                    .chain(unset.iter().map(|s| s.as_str())),
            )?;
            for (k, v) in set {
                doc.set_setting(name, k, Some(v.trim()));
                prof.settings.insert(k.clone(), v.trim().to_string());
            }
            for k in unset {
                doc.set_setting(name, k, None);
                prof.settings.remove(k);
            }
            validate_profile(&prof)?;
            Ok(prof)
        })
    }

    /// Deletes a profile from the file, then every secret it had from the keyring (no lock
    /// held across the keyring). Returns the key names removed.
    pub fn remove_profile(&self, name: &str) -> Result<Vec<String>> {
        let local = self.config.read()?.iter().any(|l| l.name == name);
        let prof = if local {
            // Its metadata first: a failure later leaves an unused secret, never metadata
            // pointing at nothing.
            let prof = self.config.update(|doc| {
                let prof = find_profile(doc.profiles(), name)?.clone();
                doc.remove_profile(name);
                Ok::<_, Error>(prof)
            })?;
            // Secrets kept in a store (the kernel keyring) stay reachable by the name.
            if let Some(st) = &prof.store {
                self.stores.place(name, st);
            }
            prof
        } else {
            // A team profile: its secrets first (nothing left unreachable), then its entry.
            self.profile(name)?
        };
        let removed = self.remove_secrets(&prof);
        if local && prof.store.is_some() {
            self.stores.unplace(name);
        }
        let removed = removed?;
        if let (false, Some(st)) = (local, &prof.store) {
            // Anything else the store keeps under the profile (a secret whose metadata a
            // teammate's failed edit never wrote) goes too: nothing is left unreachable.
            // (In the store itself: a sign-in SimCred once kept there goes too.)
            let team = self.stores.secrets_in(st)?;
            for id in team.list(name)?.unwrap_or_default() {
                team.delete(&id)?;
            }
            self.remove_team_profile(st, name)?;
        }
        Ok(removed)
    }

    fn remove_secrets(&self, prof: &Profile) -> Result<Vec<String>> {
        let name = prof.name.as_str();
        let mut removed = Vec::new();
        for k in &prof.keys {
            self.store
                .delete(&SecretId::new(name, SecretKind::ApiKey, &k.name))?;
            removed.push(k.name.clone());
        }
        for kind in [
            SecretKind::OfflineToken,
            SecretKind::AccessToken,
            SecretKind::RefreshToken,
            SecretKind::Password,
        ] {
            self.store.delete(&SecretId::new(name, kind, "default"))?;
        }
        Ok(removed)
    }
}

/// The profile `name` of `service` as [`Ctx::add_profile_in`] would make it — the service's
/// defaults under the given `settings`, each checked — without writing anything (an import's
/// dry run shows it).
pub(crate) fn new_profile(
    name: &str,
    service: Service,
    settings: &[(String, String)],
    store: Option<&str>,
) -> Result<Profile> {
    validate_name("profile", name).map_err(Error::Invalid)?;
    check_setting_names(service, settings.iter().map(|(k, _)| k.as_str()))?;
    let mut merged: std::collections::BTreeMap<String, String> =
        crate::providers::settings_of(service)
            .into_iter()
            .filter_map(|s| s.default.map(|d| (s.name.to_string(), d.to_string())))
            .collect();
    for (k, v) in settings {
        merged.insert(k.clone(), v.trim().to_string());
    }
    let prof = Profile {
        name: name.to_string(),
        service,
        settings: merged,
        default_key: None,
        keys: vec![],
        tokens: vec![],
        store: store.map(String::from),
    };
    validate_profile(&prof)?;
    Ok(prof)
}
