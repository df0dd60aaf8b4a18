//! [`StoreConfig`]: one `[stores.NAME]` table of `profiles.toml` as read — its [`StoreKind`],
//! address, mount and prefix, and what it makes of the vault CLIs' environment — and the keyring
//! entry of its vault token. A leaf below `config/` and `stores.rs` (it imports neither), so the
//! profiles file can read store tables without importing the stores that read the profiles file;
//! re-exported from `stores.rs` under the old paths (`stores::StoreConfig`, `stores::StoreKind`, …).

use crate::store::{SecretId, SecretKind, StoreError};
use crate::vault::VaultAddr;
use serde::Serialize;

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

pub(crate) fn env(names: &[&str]) -> Option<String> {
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
