//! Where a profile's secrets live. `[stores.NAME]` tables in `profiles.toml` name the places
//! besides the OS keyring (an OpenBao or Vault KV v2 team store); a profile names its store
//! (`store = "acme"`, default the OS keyring). [`Stores`] is the [`SecretStore`] the rest of
//! SimCred sees: it sends each secret to its profile's store, opening vault stores on first use
//! with the token kept in the OS keyring (or `VAULT_TOKEN` / `BAO_TOKEN`, sent only to the store
//! `VAULT_ADDR` / `BAO_ADDR` names or to the only vault store: [`token_for`]).
//!
//! The store verbs (`store_add`, `store_login`, `oidc_begin`, `store_logout`, `store_remove`,
//! `store_status` on [`crate::ctx::Ctx`]) are in `store_verbs.rs`, which imports this file; the
//! types they take and return ([`LoginMethod`], [`OidcPending`], [`StoreStatus`]) stay here.

use crate::config::ConfigStore;
use crate::secret::Secret;
use crate::store::{SecretId, SecretKind, SecretStore, StoreError};
use crate::store_config::env;
pub use crate::store_config::{token_id, StoreConfig, StoreKind, DEFAULT_MOUNT, DEFAULT_PREFIX};
use crate::vault::Vault;
pub use crate::vault_store::{renew_if_short, VaultStore, RENEW_BELOW_SECS};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Whether two vault addresses are the same origin (scheme, host, port).
fn same_origin(a: &str, b: &str) -> bool {
    match (
        crate::http::parse_service_url(a),
        crate::http::parse_service_url(b),
    ) {
        (Ok(a), Ok(b)) => crate::http::origin_of(&a) == crate::http::origin_of(&b),
        _ => false,
    }
}

/// The environment's vault token (`VAULT_TOKEN`, else `BAO_TOKEN`), for store `cfg` only where
/// it belongs: the vault that `VAULT_ADDR` / `BAO_ADDR` names (same origin; a store without an
/// address is that vault), or, when neither is set, the only vault store in `all`. Any other
/// store gets none of it: a token for one vault is never sent to another.
pub(crate) fn env_token(cfg: &StoreConfig, all: &[StoreConfig]) -> Option<Secret> {
    let token = env(&["VAULT_TOKEN", "BAO_TOKEN"])?;
    let belongs = match env(&["VAULT_ADDR", "BAO_ADDR"]) {
        Some(at) => cfg.addr.as_deref().is_none_or(|own| same_origin(&at, own)),
        None => all.iter().filter(|c| c.kind.holds_profiles()).count() == 1,
    };
    belongs.then(|| Secret::new(token))
}

/// The token for store `cfg` (one of `all`, the configured stores): the environment's
/// `VAULT_TOKEN` / `BAO_TOKEN` where it belongs to this store (see [`env_token`]), else the one
/// `store login` kept in the OS keyring.
pub fn token_for(
    cfg: &StoreConfig,
    all: &[StoreConfig],
    keyring: &dyn SecretStore,
) -> Result<Secret, StoreError> {
    if let Some(t) = env_token(cfg, all) {
        return Ok(t);
    }
    keyring.get(&cfg.token_id())?.ok_or_else(|| {
        let why = if env(&["VAULT_TOKEN", "BAO_TOKEN"]).is_some() {
            "VAULT_TOKEN is used only for the vault VAULT_ADDR names, or when one vault store is configured; set VAULT_ADDR to this store's address to use it here"
        } else {
            "and VAULT_TOKEN is not set"
        };
        StoreError::Unauthorized(format!("not logged in to store \"{}\" ({why})", cfg.name))
    })
}

/// The secret store SimCred uses: the OS keyring for local profiles, each profile's team store
/// for the others.
pub struct Stores {
    keyring: Box<dyn SecretStore>,
    config: ConfigStore,
    open: Mutex<HashMap<String, Arc<VaultStore>>>,
    /// Team profiles seen in their stores: profile name → store name.
    placed: Mutex<HashMap<String, String>>,
}

impl Stores {
    pub fn new(keyring: Box<dyn SecretStore>, config: ConfigStore) -> Self {
        Stores {
            keyring,
            config,
            open: Mutex::new(HashMap::new()),
            placed: Mutex::new(HashMap::new()),
        }
    }

    /// The OS keyring (local profiles, vault tokens).
    pub fn keyring(&self) -> &dyn SecretStore {
        self.keyring.as_ref()
    }

    /// The team store named `name`, opened (and kept) on first use.
    pub fn team(&self, name: &str) -> Result<Arc<VaultStore>, StoreError> {
        if let Some(s) = self.open.lock().ok().and_then(|m| m.get(name).cloned()) {
            return Ok(s);
        }
        let cfg = self.lookup(name)?;
        if !cfg.kind.holds_profiles() {
            return Err(StoreError::Failed(format!(
                "store \"{name}\" is the kernel keyring: it keeps secrets, not profiles"
            )));
        }
        let all = self
            .config
            .stores()
            .map_err(|e| StoreError::Failed(e.to_string()))?;
        let token = token_for(&cfg, &all, self.keyring())?;
        let vault = Vault::new(&cfg.vault_addr()?, token)?;
        renew_if_short(&vault);
        let s = Arc::new(VaultStore::new(name, vault));
        if let Ok(mut m) = self.open.lock() {
            m.insert(name.to_string(), s.clone());
        }
        Ok(s)
    }

    /// Where the secrets of store `name` go: its vault (opened and kept on first use) or this
    /// user's kernel keyring.
    pub fn secrets_in(&self, name: &str) -> Result<Arc<dyn SecretStore>, StoreError> {
        // A vault opened earlier in this process: no need to read the file again.
        if let Some(s) = self.open.lock().ok().and_then(|m| m.get(name).cloned()) {
            return Ok(s);
        }
        match self.lookup(name)?.kind {
            StoreKind::Kernel => {
                let ns = self
                    .config
                    .keyring_id()
                    .map_err(|e| StoreError::Failed(e.to_string()))?;
                Ok(Arc::new(crate::kernel::KernelStore::new(&ns)))
            }
            _ => Ok(self.team(name)?),
        }
    }

    /// The `[stores.NAME]` table, as a store error (see [`ConfigStore::store`]).
    fn lookup(&self, name: &str) -> Result<StoreConfig, StoreError> {
        self.config.store(name).map_err(|e| match e {
            crate::Error::Store(e) => e,
            other => StoreError::Failed(other.to_string()),
        })
    }

    /// Which store a secret goes to: its profile's, or the keyring (also every personal
    /// sign-in secret of a team profile: [`SecretKind::is_personal`]).
    fn route(&self, id: &SecretId) -> Result<Option<Arc<dyn SecretStore>>, StoreError> {
        if id.kind == SecretKind::VaultToken {
            return Ok(None);
        }
        let local = self
            .config
            .read()
            .map_err(|e| StoreError::Failed(e.to_string()))?
            .into_iter()
            .find(|p| p.name == id.profile);
        let store = match local {
            Some(p) => p.store,
            None => match self.placed(&id.profile) {
                // A person's sign-in to a team profile is theirs: this computer's keyring
                // (a profile just removed from a store of secrets only keeps its place).
                Some(s)
                    if id.kind.is_personal()
                        && self.lookup(&s).map_or(true, |c| c.kind.holds_profiles()) =>
                {
                    None
                }
                other => other,
            },
        };
        store.map(|s| self.secrets_in(&s)).transpose()
    }

    /// Notes that team profile `profile` lives in store `store` (seen there just now).
    pub fn place(&self, profile: &str, store: &str) {
        if let Ok(mut m) = self.placed.lock() {
            m.insert(profile.to_string(), store.to_string());
        }
    }

    /// Forgets where a team profile lives (it was removed).
    pub fn unplace(&self, profile: &str) {
        if let Ok(mut m) = self.placed.lock() {
            m.remove(profile);
        }
    }

    /// The store a team profile was seen in.
    pub fn placed(&self, profile: &str) -> Option<String> {
        self.placed
            .lock()
            .ok()
            .and_then(|m| m.get(profile).cloned())
    }
}

impl SecretStore for Stores {
    fn backend(&self) -> String {
        self.keyring.backend()
    }

    fn get(&self, id: &SecretId) -> Result<Option<Secret>, StoreError> {
        match self.route(id)? {
            Some(t) => t.get(id),
            None => self.keyring.get(id),
        }
    }

    fn set(&self, id: &SecretId, secret: &Secret) -> Result<(), StoreError> {
        match self.route(id)? {
            Some(t) => t.set(id, secret),
            None => self.keyring.set(id, secret),
        }
    }

    fn delete(&self, id: &SecretId) -> Result<bool, StoreError> {
        match self.route(id)? {
            Some(t) => t.delete(id),
            None => self.keyring.delete(id),
        }
    }

    fn replace(
        &self,
        id: &SecretId,
        expected: Option<&Secret>,
        new: &Secret,
    ) -> Result<(), StoreError> {
        match self.route(id)? {
            Some(t) => t.replace(id, expected, new),
            None => self.keyring.replace(id, expected, new),
        }
    }

    fn list(&self, profile: &str) -> Result<Option<Vec<SecretId>>, StoreError> {
        match self.route(&SecretId::new(profile, SecretKind::ApiKey, ""))? {
            Some(t) => t.list(profile),
            None => self.keyring.list(profile),
        }
    }

    fn probe(&self) -> Result<(), StoreError> {
        self.keyring.probe()
    }
}

/// How `store login` authenticates.
pub enum LoginMethod {
    /// A token the user already has (`bao token create`, the UI).
    Token(Secret),
    /// `auth/userpass`.
    Userpass { username: String, password: Secret },
    /// `auth/approle` with a role id and a secret id.
    AppRole { role_id: String, secret_id: Secret },
    /// `auth/jwt` with a role and an identity token (CI).
    Jwt { role: String, jwt: Secret },
    /// `auth/oidc` in the browser, begun with [`Stores::oidc_begin`]: waits for the browser to
    /// come back.
    Oidc(OidcPending),
}

/// An OIDC login of a person between the sign-in page opened and the browser coming back to
/// `http://localhost:PORT/oidc/callback` (the redirect URI the vault's role must allow).
pub struct OidcPending {
    /// The identity provider's page to open in the browser.
    pub url: crate::http::OpenableUrl,
    pub(crate) callback: crate::callback::Callback,
    /// The `state` the vault put in the sign-in page: only a return carrying it is this login's.
    pub(crate) state: String,
    pub(crate) nonce: Secret,
}

/// One store as `store list` / `store status` show it.
#[derive(Debug, Clone, Serialize)]
pub struct StoreStatus {
    #[serde(flatten)]
    pub config: StoreConfig,
    /// The profiles whose secrets live there.
    pub profiles: Vec<String>,
    /// Where the token comes from: `environment`, `keyring`, or `none`.
    pub token_from: &'static str,
    /// What the vault said about the token (when asked and it answered).
    pub token: Option<crate::vault::TokenInfo>,
    /// Why the store cannot be used right now, in a sentence.
    pub problem: Option<String>,
    /// What the store keeps and for how long, where that is not "until deleted" (the kernel
    /// keyring).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub survives: Option<&'static str>,
    /// A warning about how the store is reached (TLS certificates not checked:
    /// [`StoreConfig::tls_warning`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}
