//! API keys: add, read, rename, make default, remove, check with the service, and
//! regenerate-and-replace. The secret goes to the store first, then its metadata to
//! `profiles.toml`; the file lock is taken for the metadata write only, never across a keyring
//! or network call.

use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::profile::{find_profile, now, resolve_key, validate_name, KeyMeta, KeyStatus};
use crate::providers::{net_options, provider, CheckOutcome, KeyPolicy};
use crate::secret::Secret;
use crate::store::{SecretId, SecretKind};
use serde::Serialize;

/// The result of checking a key.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub profile: String,
    pub key: KeyMeta,
    /// Why the service could not be asked this time (`key.status` is then the state as of
    /// `key.checked`); `None` when it answered.
    pub unreachable: Option<String>,
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

impl Ctx<'_> {
    // ---- keys -----------------------------------------------------------------------------

    /// Stores a new key. `name` may be omitted for single-key services. Checks first, then
    /// writes the secret (no lock held), then its metadata under the file lock.
    pub fn add_key(
        &self,
        profile: &str,
        name: Option<&str>,
        secret: Secret,
        make_default: bool,
    ) -> Result<KeyMeta> {
        let prof = self.profile(profile)?;
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
        let exists = |prof: &crate::profile::Profile| {
            prof.key(&name).is_some().then(|| Error::KeyExists {
                profile: profile.to_string(),
                name: name.clone(),
            })
        };
        if let Some(e) = exists(&prof) {
            return Err(e);
        }
        p.check_key_value(secret.expose()).map_err(Error::Invalid)?;
        let id = SecretId::new(profile, SecretKind::ApiKey, &name);
        let team = !self.config.read()?.iter().any(|p| p.name == profile);
        if team {
            // Create-only in a team store: a teammate adding the same name at the same
            // moment keeps theirs, and this add says the name is taken.
            match self.store.replace(&id, None, &secret) {
                // No key's metadata names it (checked above): another add of that name is
                // under way, or one was cut short. Theirs is kept.
                Err(crate::store::StoreError::Conflict(_)) => {
                    return Err(Error::Invalid(format!(
                        "the team store already holds a value for key \"{name}\" of profile \"{profile}\" that no key's metadata describes yet (another add of that name under way, or one cut short); nothing was overwritten; choose another name"
                    )))
                }
                other => other?,
            }
        } else {
            self.store.set(&id, &secret)?;
        }
        let written = self.update_profile(profile, |doc| {
            let now_prof = find_profile(doc.profiles(), profile)?.clone();
            if let Some(e) = exists(&now_prof) {
                return Err(e);
            }
            let is_default =
                make_default || now_prof.keys.is_empty() || now_prof.default_key.is_none();
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
                ..Default::default()
            };
            doc.put_key(profile, &meta);
            if is_default {
                doc.set_default_key(profile, Some(&name));
            }
            Ok(meta)
        });
        if let Err(Error::UnknownProfile { .. }) = &written {
            // The profile went away meanwhile: leave no secret behind.
            let _ = self.store.delete(&id);
        }
        written
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
        self.update_profile(profile, |doc| {
            let prof = find_profile(doc.profiles(), profile)?;
            let mut meta = resolve_key(prof, Some(name))?.clone();
            meta.default = true;
            doc.set_default_key(profile, Some(&meta.name));
            Ok(meta)
        })
    }

    /// Renames a key: the secret is copied to the new name, the metadata switched under the
    /// file lock, then the old entry deleted (a crash leaves at worst an unused old entry).
    pub fn rename_key(&self, profile: &str, old: &str, new: &str) -> Result<KeyMeta> {
        let prof = self.profile(profile)?;
        let meta = resolve_key(&prof, Some(old))?.clone();
        validate_name("key", new).map_err(Error::Invalid)?;
        let new = provider(prof.service)
            .normalize_key_name(new)
            .map_err(Error::Invalid)?;
        if new == meta.name {
            return Ok(meta);
        }
        let taken = |prof: &crate::profile::Profile| {
            prof.key(&new).is_some().then(|| Error::KeyExists {
                profile: profile.to_string(),
                name: new.clone(),
            })
        };
        if let Some(e) = taken(&prof) {
            return Err(e);
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
        let renamed = self.update_profile(profile, |doc| {
            let now_prof = find_profile(doc.profiles(), profile)?.clone();
            if let Some(e) = taken(&now_prof) {
                return Err(e);
            }
            let meta = resolve_key(&now_prof, Some(&meta.name))?.clone();
            let mut renamed = meta.clone();
            renamed.name = new.clone();
            doc.remove_key(profile, &meta.name);
            doc.put_key(profile, &renamed);
            if meta.default {
                doc.set_default_key(profile, Some(&new));
            }
            Ok(renamed)
        })?;
        self.store.delete(&old_id)?;
        Ok(renamed)
    }

    /// Deletes a key from the profile, then from the keyring. If it was the default and other
    /// keys remain, the first of them becomes the default.
    pub fn remove_key(&self, profile: &str, name: &str) -> Result<Option<String>> {
        let (gone, new_default) = self.update_profile(profile, |doc| {
            let prof = find_profile(doc.profiles(), profile)?.clone();
            let meta = resolve_key(&prof, Some(name))?.clone();
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
            Ok::<_, Error>((meta.name, new_default))
        })?;
        self.store
            .delete(&SecretId::new(profile, SecretKind::ApiKey, &gone))?;
        Ok(new_default)
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
            unreachable: match outcome {
                CheckOutcome::Unreachable { reason } => Some(reason),
                _ => None,
            },
        })
    }

    fn record_check(&self, profile: &str, name: &str, outcome: &CheckOutcome) -> Result<KeyMeta> {
        self.update_profile(profile, |doc| {
            let prof = find_profile(doc.profiles(), profile)?;
            let mut meta = resolve_key(prof, Some(name))?.clone();
            apply_outcome(&mut meta, outcome);
            doc.put_key(profile, &meta);
            Ok(meta)
        })
    }

    /// Regenerate-and-replace: checks `new` with the service first (unless `check` is false, or
    /// the service's checks count against a plan, Dlubal's: such a key is only sent when someone
    /// asks for a check) and keeps the old key when the check fails; then swaps it in and
    /// re-exports it wherever the old key had been exported.
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
        if check && !provider(prof.service).metered() {
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
        // Read before it is overwritten: to re-export where the old key still is, and to
        // replace only the key that was there (a teammate's replace in between is a conflict,
        // reported, and theirs is kept).
        let old_secret = self.store.get(&id)?;
        if old_secret.as_ref().is_some_and(|s| s.last4() != old.last4) {
            // The stored key is not the one the metadata describes: another replace is half
            // way (its key written, its metadata not yet).
            return Err(crate::store::changed_meanwhile(&id).into());
        }
        self.store.replace(&id, old_secret.as_ref(), &new)?;
        self.update_profile(profile, |doc| {
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
            meta = self.update_profile(profile, |doc| {
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
        self.update_profile(profile, |doc| {
            let prof = find_profile(doc.profiles(), profile)?;
            let mut meta = resolve_key(prof, Some(name))?.clone();
            if !meta.exported.iter().any(|p| p == path) {
                meta.exported.push(path.to_string());
                doc.put_key(profile, &meta);
            }
            Ok(())
        })
    }

    /// Forgets that `profile`'s keys and tokens were exported to `path` (their plaintext copy
    /// there was removed), so neither `audit` nor the app points at a copy that is gone; with
    /// `key`, only that key's record (the file no longer holds it, the others' stay). Only this
    /// computer's profiles record paths; for any other profile this does nothing.
    pub(crate) fn forget_export(&self, profile: &str, path: &str, key: Option<&str>) -> Result<()> {
        if !self.config().read()?.iter().any(|p| p.name == profile) {
            return Ok(());
        }
        self.config().update(|doc| {
            let Ok(prof) = find_profile(doc.profiles(), profile) else {
                return Ok(());
            };
            let prof = prof.clone();
            for k in prof.keys.iter().filter(|k| key.is_none_or(|n| n == k.name)) {
                if k.exported.iter().any(|p| p == path) {
                    let mut m = k.clone();
                    m.exported.retain(|p| p != path);
                    doc.put_key(profile, &m);
                }
            }
            for t in prof.tokens.iter().filter(|_| key.is_none()) {
                if t.exported.iter().any(|p| p == path) {
                    let mut m = t.clone();
                    m.exported.retain(|p| p != path);
                    doc.put_token(profile, &m);
                }
            }
            Ok::<_, Error>(())
        })
    }
}

/// Records a check's answer. A service that could not be asked leaves the key's own state
/// (and when it was last known) alone and notes the failed attempt beside it.
pub(crate) fn apply_outcome(meta: &mut KeyMeta, outcome: &CheckOutcome) {
    let answered = |meta: &mut KeyMeta| {
        meta.checked = Some(now());
        meta.unreachable = None;
        meta.unreachable_detail = None;
    };
    match outcome {
        CheckOutcome::Valid {
            detail,
            account,
            usage,
        } => {
            answered(meta);
            meta.status = KeyStatus::Valid;
            meta.account = account.clone();
            meta.detail = Some(detail.clone());
            meta.usage = usage.clone();
        }
        CheckOutcome::Restricted { reason } => {
            answered(meta);
            meta.status = KeyStatus::Restricted;
            meta.detail = Some(reason.clone());
        }
        CheckOutcome::Invalid { reason } => {
            answered(meta);
            meta.status = KeyStatus::Invalid;
            meta.detail = Some(reason.clone());
        }
        CheckOutcome::Unreachable { reason } => {
            if meta.status == KeyStatus::Unreachable {
                meta.status = KeyStatus::Unverified;
            }
            meta.unreachable = Some(now());
            meta.unreachable_detail = Some(reason.clone());
        }
        CheckOutcome::NotCheckable { reason } => {
            meta.checked = None;
            meta.status = KeyStatus::Unverified;
            meta.detail = Some(reason.clone());
        }
    }
}
