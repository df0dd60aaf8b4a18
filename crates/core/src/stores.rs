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
use crate::vault::{Vault, VaultAddr};
pub use crate::vault_store::{renew_if_short, VaultStore, RENEW_BELOW_SECS};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What kind of place a store is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    /// An OpenBao server (KV v2).
    OpenBao,
    /// A HashiCorp Vault server (KV v2; the same API).
    Vault,
    /// The Linux kernel keyring of this user (keyutils; [`crate::kernel`]): secrets only, the
    /// profiles stay in `profiles.toml`. For headless machines without a Secret Service.
    Kernel,
}

impl StoreKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StoreKind::OpenBao => "openbao",
            StoreKind::Vault => "vault",
            StoreKind::Kernel => "kernel",
        }
    }

    /// Whether the store holds whole profiles (a team vault) rather than only secrets.
    pub fn holds_profiles(self) -> bool {
        !matches!(self, StoreKind::Kernel)
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "openbao" | "bao" => Some(StoreKind::OpenBao),
            "vault" => Some(StoreKind::Vault),
            "kernel" | "keyutils" => Some(StoreKind::Kernel),
            _ => None,
        }
    }
}

/// One `[stores.NAME]` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoreConfig {
    pub name: String,
    pub kind: StoreKind,
    /// The server's address; `None`: `VAULT_ADDR` / `BAO_ADDR` at the time of use.
    pub addr: Option<String>,
    pub mount: String,
    pub prefix: String,
    pub namespace: Option<String>,
    pub ca_bundle: Option<String>,
}

/// The default KV v2 mount and prefix.
pub const DEFAULT_MOUNT: &str = "secret";
pub const DEFAULT_PREFIX: &str = "simcred";

fn env(names: &[&str]) -> Option<String> {
    env_named(names).map(|(_, v)| v)
}

/// The first of `names` set to something other than white space, and its (trimmed) value.
fn env_named<'a>(names: &[&'a str]) -> Option<(&'a str, String)> {
    names
        .iter()
        .filter_map(|n| std::env::var(n).ok().map(|v| (*n, v.trim().to_string())))
        .find(|(_, v)| !v.is_empty())
}

/// The environment variables a vault store's CA bundle falls back on.
const CACERT_VARS: [&str; 2] = ["VAULT_CACERT", "BAO_CACERT"];

impl StoreConfig {
    /// Where the vault is, with the vault CLIs' environment filling what the table leaves out
    /// (`VAULT_ADDR`/`BAO_ADDR`, `VAULT_CACERT`/`BAO_CACERT`, `VAULT_NAMESPACE`/`BAO_NAMESPACE`).
    pub fn vault_addr(&self) -> Result<VaultAddr, StoreError> {
        let raw = self
            .addr
            .clone()
            .or_else(|| env(&["VAULT_ADDR", "BAO_ADDR"]))
            .ok_or_else(|| {
                StoreError::Failed(format!(
                    "store \"{}\" has no address and VAULT_ADDR is not set",
                    self.name
                ))
            })?;
        let addr = crate::http::parse_service_url(&raw).map_err(|e| {
            StoreError::Failed(format!("the address of store \"{}\": {e}", self.name))
        })?;
        Ok(VaultAddr {
            addr,
            mount: self.mount.clone(),
            prefix: self.prefix.clone(),
            namespace: self
                .namespace
                .clone()
                .or_else(|| env(&["VAULT_NAMESPACE", "BAO_NAMESPACE"])),
            ca_bundle: self.ca_bundle.clone().or_else(|| env(&CACERT_VARS)),
        })
    }

    /// The warning for a vault store whose TLS certificates are not checked: its `ca_bundle`,
    /// or the `VAULT_CACERT` / `BAO_CACERT` it falls back on, is `unsecure-none` (the same
    /// sentence as for a profile: [`crate::http::cert_checks_off_warning`]).
    pub fn tls_warning(&self) -> Option<String> {
        if !self.kind.holds_profiles() {
            return None;
        }
        let (value, setting) = match &self.ca_bundle {
            Some(v) => (v.clone(), "ca_bundle".to_string()),
            None => {
                let (name, v) = env_named(&CACERT_VARS)?;
                (v, format!("{name} (from the environment)"))
            }
        };
        crate::http::cert_checks_off(Some(&value)).then(|| {
            crate::http::cert_checks_off_warning(&format!("store \"{}\"", self.name), &setting)
        })
    }

    /// The keyring entry that holds this store's vault token.
    pub fn token_id(&self) -> SecretId {
        token_id(&self.name)
    }
}

/// The keyring entry of store `name`'s vault token (profile part `store:NAME`, which no profile
/// name can be: `:` is not allowed in one).
pub fn token_id(name: &str) -> SecretId {
    SecretId::new(&format!("store:{name}"), SecretKind::VaultToken, "token")
}

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
