//! [`Simcred`]: every operation the CLI and the desktop app offer, written once.
//!
//! Order of writes: the secret goes to the keyring first, then its metadata to `profiles.toml`
//! under the file lock, so a failure in between leaves at worst an unused keyring entry, never
//! metadata pointing at a secret that is not there.

use crate::config::ConfigStore;
use crate::error::{Error, Result};
use crate::profile::{validate_name, KeyMeta, KeyStatus, Profile, Service};
use crate::providers::{net_options, provider, CheckOutcome, KeyPolicy};
use crate::secret::Secret;
use crate::settings::{check_setting_names, validate_profile};
use crate::store::{KeyringStore, SecretId, SecretKind, SecretStore};
use serde::Serialize;

/// The current time as RFC 3339 (seconds, UTC).
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The result of checking a key.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub profile: String,
    pub key: KeyMeta,
}

/// The result of replacing a key.
#[derive(Debug, Clone, Serialize)]
pub struct ReplaceReport {
    pub profile: String,
    pub key: KeyMeta,
    /// Files the new key was written to because the old one had been exported there.
    pub reexported: Vec<String>,
    /// Files the old key had been exported to that were left alone, one sentence each saying
    /// why (gone, changed by hand, not a regular file, unreadable).
    pub skipped: Vec<String>,
}

pub use crate::status::{BackendState, ProfileState, ProfileStatus, StatusReport};

/// The SimCred core: profiles file plus secret store.
pub struct Simcred {
    config: ConfigStore,
    store: Box<dyn SecretStore>,
}

impl Simcred {
    /// Opens the user's profiles (`SIMCRED_CONFIG_DIR` or the platform dir) and the OS keyring.
    pub fn open() -> Result<Self> {
        let config = ConfigStore::from_env()?;
        let namespace = config.keyring_id()?;
        Ok(Simcred {
            config,
            store: Box::new(KeyringStore::from_env(&namespace)),
        })
    }

    pub fn with(config: ConfigStore, store: Box<dyn SecretStore>) -> Self {
        Simcred { config, store }
    }

    pub fn config(&self) -> &ConfigStore {
        &self.config
    }

    pub fn backend(&self) -> String {
        self.store.backend()
    }

    pub(crate) fn store(&self) -> &dyn SecretStore {
        self.store.as_ref()
    }

    // ---- profiles -------------------------------------------------------------------------

    pub fn list_profiles(&self) -> Result<Vec<Profile>> {
        Ok(self.config.read()?)
    }

    pub fn profile(&self, name: &str) -> Result<Profile> {
        let all = self.config.read()?;
        find_profile(&all, name).cloned()
    }

    /// Creates a profile. `settings` are `name=value` pairs checked against the service.
    pub fn add_profile(
        &self,
        name: &str,
        service: Service,
        settings: &[(String, String)],
    ) -> Result<Profile> {
        validate_name("profile", name).map_err(Error::Invalid)?;
        check_setting_names(service, settings.iter().map(|(k, _)| k.as_str()))?;
        self.config.update(|doc| {
            if doc.profile(name).is_some() {
                return Err(Error::ProfileExists(name.to_string()));
            }
            // The service's defaults, overridden by what the user gave.
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
            };
            validate_profile(&prof)?;
            doc.insert_profile(name, service);
            for (k, v) in &prof.settings {
                doc.set_setting(name, k, Some(v));
            }
            Ok(prof)
        })
    }

    /// Changes settings of a profile: `set` pairs, then `unset` names.
    pub fn edit_profile(
        &self,
        name: &str,
        set: &[(String, String)],
        unset: &[String],
    ) -> Result<Profile> {
        self.config.update(|doc| {
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

    /// Deletes a profile and every secret it has in the keyring. Returns the key names removed.
    pub fn remove_profile(&self, name: &str) -> Result<Vec<String>> {
        self.config.update(|doc| {
            let prof = find_profile(doc.profiles(), name)?.clone();
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
            doc.remove_profile(name);
            Ok(removed)
        })
    }

    // ---- keys -----------------------------------------------------------------------------

    /// Stores a new key. `name` may be omitted for single-key services (Modelon).
    pub fn add_key(
        &self,
        profile: &str,
        name: Option<&str>,
        secret: Secret,
        make_default: bool,
    ) -> Result<KeyMeta> {
        self.config.update(|doc| {
            let prof = find_profile(doc.profiles(), profile)?.clone();
            let p = provider(prof.service);
            let name = match (p.key_policy(), name) {
                (KeyPolicy::TokensOnly, _) => {
                    return Err(Error::NotSupported {
                        service: prof.service.display_name().into(),
                        what: "API keys (they sign in instead)".into(),
                    })
                }
                (KeyPolicy::Single { .. }, _) if !prof.keys.is_empty() => {
                    return Err(Error::SingleKeyTaken {
                        profile: profile.to_string(),
                        service: prof.service.display_name().into(),
                    })
                }
                (KeyPolicy::Single { default_name }, n) => n.unwrap_or(default_name).to_string(),
                (KeyPolicy::Named, Some(n)) => n.to_string(),
                (KeyPolicy::Named, None) => {
                    return Err(Error::KeyNameNeeded {
                        service: prof.service.display_name().into(),
                        example: p.hints().key_name_example.unwrap_or("project_1"),
                    })
                }
            };
            validate_name("key", &name).map_err(Error::Invalid)?;
            let name = p.normalize_key_name(&name).map_err(Error::Invalid)?;
            if prof.key(&name).is_some() {
                return Err(Error::KeyExists {
                    profile: profile.to_string(),
                    name,
                });
            }
            p.check_key_value(secret.expose()).map_err(Error::Invalid)?;
            self.store
                .set(&SecretId::new(profile, SecretKind::ApiKey, &name), &secret)?;
            let is_default = make_default || prof.keys.is_empty() || prof.default_key.is_none();
            let meta = KeyMeta {
                name: name.clone(),
                created: now(),
                last4: secret.last4(),
                status: KeyStatus::Unverified,
                checked: None,
                detail: None,
                expires: None,
                exported: vec![],
                default: is_default,
            };
            doc.put_key(profile, &meta);
            if is_default {
                doc.set_default_key(profile, Some(&name));
            }
            Ok(meta)
        })
    }

    pub fn list_keys(&self, profile: &str) -> Result<Vec<KeyMeta>> {
        Ok(self.profile(profile)?.keys)
    }

    /// Reads a key's secret: the named one, or the profile's default.
    pub fn get_key(&self, profile: &str, name: Option<&str>) -> Result<(KeyMeta, Secret)> {
        let prof = self.profile(profile)?;
        let meta = resolve_key(&prof, name)?.clone();
        let secret = self
            .store
            .get(&SecretId::new(profile, SecretKind::ApiKey, &meta.name))?
            .ok_or_else(|| Error::SecretMissing {
                profile: profile.to_string(),
                name: meta.name.clone(),
            })?;
        Ok((meta, secret))
    }

    pub fn set_default(&self, profile: &str, name: &str) -> Result<KeyMeta> {
        self.config.update(|doc| {
            let prof = find_profile(doc.profiles(), profile)?;
            let mut meta = resolve_key(prof, Some(name))?.clone();
            meta.default = true;
            doc.set_default_key(profile, Some(&meta.name));
            Ok(meta)
        })
    }

    pub fn rename_key(&self, profile: &str, old: &str, new: &str) -> Result<KeyMeta> {
        self.config.update(|doc| {
            let prof = find_profile(doc.profiles(), profile)?.clone();
            let meta = resolve_key(&prof, Some(old))?.clone();
            validate_name("key", new).map_err(Error::Invalid)?;
            let new = provider(prof.service)
                .normalize_key_name(new)
                .map_err(Error::Invalid)?;
            if new == meta.name {
                return Ok(meta);
            }
            if prof.key(&new).is_some() {
                return Err(Error::KeyExists {
                    profile: profile.to_string(),
                    name: new,
                });
            }
            let old_id = SecretId::new(profile, SecretKind::ApiKey, &meta.name);
            let new_id = SecretId::new(profile, SecretKind::ApiKey, &new);
            let secret = self
                .store
                .get(&old_id)?
                .ok_or_else(|| Error::SecretMissing {
                    profile: profile.to_string(),
                    name: meta.name.clone(),
                })?;
            self.store.set(&new_id, &secret)?;
            self.store.delete(&old_id)?;
            let mut renamed = meta.clone();
            renamed.name = new.clone();
            doc.remove_key(profile, &meta.name);
            doc.put_key(profile, &renamed);
            if meta.default {
                doc.set_default_key(profile, Some(&new));
            }
            Ok(renamed)
        })
    }

    /// Deletes a key from the keyring and the profile. If it was the default and other keys
    /// remain, the first of them becomes the default.
    pub fn remove_key(&self, profile: &str, name: &str) -> Result<Option<String>> {
        self.config.update(|doc| {
            let prof = find_profile(doc.profiles(), profile)?.clone();
            let meta = resolve_key(&prof, Some(name))?.clone();
            self.store
                .delete(&SecretId::new(profile, SecretKind::ApiKey, &meta.name))?;
            doc.remove_key(profile, &meta.name);
            let mut new_default = None;
            if meta.default {
                new_default = prof
                    .keys
                    .iter()
                    .find(|k| k.name != meta.name)
                    .map(|k| k.name.clone());
                doc.set_default_key(profile, new_default.as_deref());
            }
            Ok(new_default)
        })
    }

    /// Asks the service whether a key works and records the answer and the time.
    pub fn check_key(&self, profile: &str, name: Option<&str>) -> Result<CheckReport> {
        let (meta, secret) = self.get_key(profile, name)?;
        let prof = self.profile(profile)?;
        let outcome = provider(prof.service).check(&prof, &secret, &net_options(&prof));
        let meta = self.record_check(profile, &meta.name, &outcome)?;
        Ok(CheckReport {
            profile: profile.to_string(),
            key: meta,
        })
    }

    fn record_check(&self, profile: &str, name: &str, outcome: &CheckOutcome) -> Result<KeyMeta> {
        self.config.update(|doc| {
            let prof = find_profile(doc.profiles(), profile)?;
            let mut meta = resolve_key(prof, Some(name))?.clone();
            apply_outcome(&mut meta, outcome);
            doc.put_key(profile, &meta);
            Ok(meta)
        })
    }

    /// Regenerate-and-replace: checks `new` with the service first (unless `check` is false)
    /// and keeps the old key when the check fails; then swaps it in and re-exports it wherever
    /// the old key had been exported.
    pub fn replace_key(
        &self,
        profile: &str,
        name: Option<&str>,
        new: Secret,
        check: bool,
    ) -> Result<ReplaceReport> {
        let prof = self.profile(profile)?;
        let old = resolve_key(&prof, name)?.clone();
        provider(prof.service)
            .check_key_value(new.expose())
            .map_err(Error::Invalid)?;
        let mut meta = old.clone();
        meta.created = now();
        meta.last4 = new.last4();
        meta.status = KeyStatus::Unverified;
        meta.checked = None;
        meta.detail = None;
        if check {
            let outcome = provider(prof.service).check(&prof, &new, &net_options(&prof));
            match &outcome {
                CheckOutcome::Invalid { reason } | CheckOutcome::Unreachable { reason } => {
                    return Err(Error::CheckFailed {
                        reason: reason.clone(),
                    })
                }
                _ => apply_outcome(&mut meta, &outcome),
            }
        }
        let id = SecretId::new(profile, SecretKind::ApiKey, &old.name);
        // Re-export only where the old key still is, so it is read before it is overwritten.
        let old_secret = if old.exported.is_empty() {
            None
        } else {
            self.store.get(&id)?
        };
        self.store.set(&id, &new)?;
        self.config.update(|doc| {
            find_profile(doc.profiles(), profile)?;
            doc.put_key(profile, &meta);
            Ok::<_, Error>(())
        })?;
        let (mut reexported, mut skipped, mut gone) = (Vec::new(), Vec::new(), Vec::new());
        for path in &old.exported {
            use crate::vendor::Reexport;
            let p = std::path::Path::new(path);
            match crate::vendor::reexport_replaced(
                self,
                &prof,
                &meta.name,
                old_secret.as_ref(),
                &new,
                p,
            ) {
                Reexport::Written => reexported.push(path.clone()),
                Reexport::Gone(why) => {
                    skipped.push(why);
                    gone.push(path.clone());
                }
                Reexport::Kept(why) => skipped.push(why),
            }
        }
        if !gone.is_empty() {
            meta = self.config.update(|doc| {
                let mut m =
                    resolve_key(find_profile(doc.profiles(), profile)?, Some(&meta.name))?.clone();
                m.exported.retain(|p| !gone.contains(p));
                doc.put_key(profile, &m);
                Ok::<_, Error>(m)
            })?;
        }
        Ok(ReplaceReport {
            profile: profile.to_string(),
            key: meta,
            reexported,
            skipped,
        })
    }

    /// Records that a key was exported to a file.
    pub(crate) fn mark_exported(&self, profile: &str, name: &str, path: &str) -> Result<()> {
        self.config.update(|doc| {
            let prof = find_profile(doc.profiles(), profile)?;
            let mut meta = resolve_key(prof, Some(name))?.clone();
            if !meta.exported.iter().any(|p| p == path) {
                meta.exported.push(path.to_string());
                doc.put_key(profile, &meta);
            }
            Ok(())
        })
    }

    /// The environment variables `simcred run` gives the child (values include the secret).
    pub fn run_env(&self, profile: &str, name: Option<&str>) -> Result<Vec<(String, String)>> {
        let prof = self.profile(profile)?;
        let p = provider(prof.service);
        if let Some(sign_in) = p.sign_in() {
            let t = self.access_token(profile, false)?;
            return Ok(vec![(
                sign_in.access_token_env().to_string(),
                t.token.expose().to_string(),
            )]);
        }
        let (meta, secret) = self.get_key(profile, name)?;
        Ok(p.env(&prof, &meta.name, &secret))
    }

    // ---- status ---------------------------------------------------------------------------

    /// The state of every profile from stored metadata, plus whether the keyring answers.
    /// Reads no secret and asks no server.
    pub fn status(&self) -> Result<StatusReport> {
        let profiles = self.config.read()?;
        let probe = self.store.probe();
        Ok(crate::status::report(
            profiles,
            self.store.backend(),
            probe,
            self.config.profiles_path().display().to_string(),
        ))
    }
}

fn apply_outcome(meta: &mut KeyMeta, outcome: &CheckOutcome) {
    meta.checked = Some(now());
    match outcome {
        CheckOutcome::Valid { detail } => {
            meta.status = KeyStatus::Valid;
            meta.detail = Some(detail.clone());
        }
        CheckOutcome::Invalid { reason } => {
            meta.status = KeyStatus::Invalid;
            meta.detail = Some(reason.clone());
        }
        CheckOutcome::Unreachable { reason } => {
            meta.status = KeyStatus::Unreachable;
            meta.detail = Some(reason.clone());
        }
        CheckOutcome::NotCheckable { reason } => {
            meta.checked = None;
            meta.status = KeyStatus::Unverified;
            meta.detail = Some(reason.clone());
        }
    }
}

pub(crate) fn find_profile<'a>(all: &'a [Profile], name: &str) -> Result<&'a Profile> {
    all.iter()
        .find(|p| p.name == name)
        .ok_or_else(|| Error::UnknownProfile {
            name: name.to_string(),
            known: all.iter().map(|p| p.name.clone()).collect(),
        })
}

pub(crate) fn resolve_key<'a>(prof: &'a Profile, name: Option<&str>) -> Result<&'a KeyMeta> {
    match name {
        Some(n) => {
            let normalized = provider(prof.service)
                .normalize_key_name(n)
                .unwrap_or_else(|_| n.to_string());
            prof.key(n)
                .or_else(|| prof.key(&normalized))
                .ok_or_else(|| Error::UnknownKey {
                    profile: prof.name.clone(),
                    name: n.to_string(),
                    known: prof.keys.iter().map(|k| k.name.clone()).collect(),
                })
        }
        None => {
            if prof.keys.is_empty() {
                return Err(Error::NoKeys {
                    profile: prof.name.clone(),
                });
            }
            prof.default_key
                .as_deref()
                .and_then(|d| prof.key(d))
                .or(if prof.keys.len() == 1 {
                    prof.keys.first()
                } else {
                    None
                })
                .ok_or_else(|| Error::NoDefaultKey {
                    profile: prof.name.clone(),
                    keys: prof.keys.iter().map(|k| k.name.clone()).collect(),
                })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;

    fn svc(id: &str) -> Service {
        id.parse().unwrap()
    }

    fn sc() -> (tempfile::TempDir, Simcred) {
        let d = tempfile::tempdir().unwrap();
        let s = Simcred::with(ConfigStore::at(d.path()), Box::new(MemoryStore::default()));
        (d, s)
    }

    #[test]
    fn named_keys_default_rename_remove() {
        let (_d, s) = sc();
        s.add_profile("rfem", svc("dlubal"), &[]).unwrap();
        s.add_key(
            "rfem",
            Some("Project_1"),
            Secret::new("ak-1111111111"),
            false,
        )
        .unwrap();
        s.add_key("rfem", Some("p2"), Secret::new("ak-2222222222"), false)
            .unwrap();
        // Names are lower-cased like Dlubal's reader does; the first key is the default.
        let (m, v) = s.get_key("rfem", None).unwrap();
        assert_eq!(
            (m.name.as_str(), v.expose()),
            ("project_1", "ak-1111111111")
        );
        s.set_default("rfem", "p2").unwrap();
        assert_eq!(s.get_key("rfem", None).unwrap().1.expose(), "ak-2222222222");
        s.rename_key("rfem", "p2", "second").unwrap();
        assert_eq!(s.get_key("rfem", None).unwrap().0.name, "second");
        assert_eq!(
            s.remove_key("rfem", "second").unwrap().as_deref(),
            Some("project_1")
        );
        let err = s.get_key("rfem", Some("nope")).unwrap_err().to_string();
        assert!(err.contains("the keys are: project_1"), "{err}");
    }

    #[test]
    fn settings_are_the_service_own_then_network_then_description() {
        let names = |id: &str| -> Vec<&str> {
            crate::providers::settings_of(svc(id))
                .iter()
                .map(|s| s.name)
                .collect()
        };
        let s = names("simai");
        assert_eq!(&s[..2], &["organization", "url"]);
        assert!(s.contains(&"https_proxy"));
        assert_eq!(s.last(), Some(&"description"));
        assert!(!names("dlubal").contains(&"organization"));
        assert!(
            !names("dlubal").contains(&"https_proxy"),
            "Dlubal is never contacted"
        );
    }

    #[test]
    fn modelon_holds_one_key() {
        let (_d, s) = sc();
        s.add_profile("impact", svc("modelon"), &[]).unwrap();
        s.add_key("impact", None, Secret::new("k-123456789"), false)
            .unwrap();
        let e = s
            .add_key("impact", None, Secret::new("k-2"), false)
            .unwrap_err();
        assert_eq!(e.code(), "single_key_taken");
        assert!(e.to_string().contains("replace it"), "{e}");
    }

    #[test]
    fn unknown_profile_lists_names_and_bad_settings_refused() {
        let (_d, s) = sc();
        s.add_profile("a", svc("dlubal"), &[]).unwrap();
        let e = s.profile("b").unwrap_err().to_string();
        assert!(e.contains("the profiles are: a"), "{e}");
        let e = s
            .add_profile(
                "c",
                svc("simai"),
                &[
                    ("organization".into(), "x".into()),
                    ("bogus".into(), "1".into()),
                ],
            )
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("not a Ansys SimAI setting") || e.contains("not a"),
            "{e}"
        );
        let e = s
            .add_profile("d", svc("simai"), &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("organization"), "{e}");
        assert!(s.profile("d").is_err());
    }
}
