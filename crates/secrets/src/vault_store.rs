//! A team vault as a [`SecretStore`]: each secret of a profile at
//! `{prefix}/secrets/{profile}/{kind}/{name}` in a KV v2 engine, data `{"value": …}`, every write
//! with check-and-set, and a value read back checked before anyone uses it. Where the vault's
//! address and token come from is the caller's business (the core's store router).

use crate::secret::Secret;
use crate::store::{SecretId, SecretKind, SecretStore, StoreError};
use crate::vault::{Vault, VaultError, Versioned};
use serde_json::{Map, Value};

/// A vault error as a store error the faces can act on.
impl From<VaultError> for StoreError {
    fn from(e: VaultError) -> Self {
        match e {
            VaultError::Unauthorized { .. } => StoreError::Unauthorized(e.to_string()),
            VaultError::PermissionDenied { .. } => StoreError::PermissionDenied(e.to_string()),
            VaultError::Conflict { .. } => StoreError::Conflict(e.to_string()),
            VaultError::Unreachable { .. } | VaultError::Sealed { .. } => {
                StoreError::Offline(e.to_string())
            }
            VaultError::LoginRefused { .. } => StoreError::Unauthorized(e.to_string()),
            VaultError::BadReply { .. } | VaultError::Setup(_) => StoreError::Failed(e.to_string()),
        }
    }
}

/// The secret an entry holds: its data's `value` string (`None`: no such field, or not a string).
pub fn value_of(v: &Versioned) -> Option<Secret> {
    v.data
        .get("value")
        .and_then(|x| x.as_str())
        .map(Secret::new)
}

/// An entry's data holding `secret`: `{"value": …}`.
fn data_of(secret: &Secret) -> Map<String, Value> {
    let mut data = Map::new();
    data.insert("value".into(), Value::String(secret.expose().to_string()));
    data
}

/// A profile's secrets in a vault: `{prefix}/secrets/{profile}/{kind}/{name}`, data
/// `{"value": …}`, every write with check-and-set.
pub struct VaultStore {
    name: String,
    vault: Vault,
}

impl VaultStore {
    pub fn new(name: &str, vault: Vault) -> Self {
        VaultStore {
            name: name.to_string(),
            vault,
        }
    }

    fn key(id: &SecretId) -> String {
        Self::key_of(id)
    }

    /// Where a secret lives below the store's prefix.
    pub fn key_of(id: &SecretId) -> String {
        format!("secrets/{}/{}/{}", id.profile, id.kind.as_str(), id.name)
    }

    /// The vault client.
    pub fn vault(&self) -> &Vault {
        &self.vault
    }
}

impl SecretStore for VaultStore {
    fn backend(&self) -> String {
        format!(
            "team store \"{}\" ({})",
            self.name,
            crate::http::origin_of(&self.vault.addr().addr)
        )
    }

    /// Reads a secret, checked like a key the user types: a value with a control character or
    /// white space around it (an OSC 52 for the terminal, an `[evil]` line for a hand-over
    /// file) is refused with a sentence naming profile and key, never the value.
    fn get(&self, id: &SecretId) -> Result<Option<Secret>, StoreError> {
        let secret = self.vault.read(&Self::key(id))?.as_ref().and_then(value_of);
        if let Some(why) = secret.as_ref().and_then(Secret::defect) {
            let what = match id.kind {
                SecretKind::ApiKey => "key",
                _ => "token",
            };
            return Err(StoreError::Malformed(format!(
                "the value of {what} \"{}\" of profile \"{}\" in team store \"{}\" {why}, so SimCred does not use it; store a good value again (e.g. `simcred key replace {} {}`)",
                crate::text::safe(&id.name),
                crate::text::safe(&id.profile),
                crate::text::safe(&self.name),
                crate::text::safe(&id.profile),
                crate::text::safe(&id.name),
            )));
        }
        Ok(secret)
    }

    fn set(&self, id: &SecretId, secret: &Secret) -> Result<(), StoreError> {
        let key = Self::key(id);
        let data = data_of(secret);
        // Setting a secret is an overwrite by intent: on a lost race, write over the version
        // that won (read again), never over one not seen.
        for _ in 0..3 {
            let cas = self.vault.read(&key)?.map(|v| v.version).unwrap_or(0);
            match self.vault.write(&key, &data, cas) {
                Err(VaultError::Conflict { .. }) => continue,
                other => return other.map(|_| ()).map_err(Into::into),
            }
        }
        Err(StoreError::Conflict(format!(
            "{key} kept changing while SimCred wrote it; try again"
        )))
    }

    fn delete(&self, id: &SecretId) -> Result<bool, StoreError> {
        Ok(self.vault.delete(&Self::key(id))?)
    }

    fn replace(
        &self,
        id: &SecretId,
        expected: Option<&Secret>,
        new: &Secret,
    ) -> Result<(), StoreError> {
        let key = Self::key(id);
        let now = self.vault.read(&key)?;
        let value = now.as_ref().and_then(value_of);
        if value.as_ref() != expected {
            return Err(crate::store::changed_meanwhile(id));
        }
        let data = data_of(new);
        // Check-and-set on the version just compared: a writer in between makes this fail.
        match self
            .vault
            .write(&key, &data, now.map(|v| v.version).unwrap_or(0))
        {
            Ok(_) => Ok(()),
            Err(VaultError::Conflict { .. }) => Err(crate::store::changed_meanwhile(id)),
            Err(e) => Err(e.into()),
        }
    }

    fn list(&self, profile: &str) -> Result<Option<Vec<SecretId>>, StoreError> {
        let mut out = Vec::new();
        let base = format!("secrets/{profile}/");
        for kind in self.vault.list(&base)? {
            let Some(k) = kind.strip_suffix('/').and_then(SecretKind::parse) else {
                continue;
            };
            for name in self.vault.list(&format!("{base}{kind}"))? {
                if !name.ends_with('/') {
                    out.push(SecretId::new(profile, k, &name));
                }
            }
        }
        Ok(Some(out))
    }

    fn probe(&self) -> Result<(), StoreError> {
        self.vault.lookup_self().map(|_| ()).map_err(Into::into)
    }
}

/// A token with less than this left is renewed when SimCred opens its store.
pub const RENEW_BELOW_SECS: u64 = 3600;

/// Renews the vault token while it is in use: when it is renewable and has less than
/// [`RENEW_BELOW_SECS`] left. Failures are left for the request that follows to report.
pub fn renew_if_short(vault: &Vault) {
    if let Ok(info) = vault.lookup_self() {
        if info.renewable && info.ttl > 0 && info.ttl < RENEW_BELOW_SECS {
            let _ = vault.renew_self();
        }
    }
}
