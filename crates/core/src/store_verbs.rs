//! The store verbs on [`Ctx`]: adding a `[stores.NAME]` table, logging in to a store (a token,
//! userpass, AppRole, JWT, or OIDC in the browser, begun with [`Ctx::oidc_begin`]) and out,
//! removing one, and every store's status. What a store is, the router [`Stores`] and the types
//! these verbs take and return are in [`crate::stores`], which does not import this file.
//!
//! [`Stores`]: crate::stores::Stores

use crate::ctx::Ctx;
use crate::secret::Secret;
use crate::store::{SecretStore, StoreError};
use crate::stores::{env_token, LoginMethod, OidcPending, StoreConfig, StoreStatus};
use crate::vault::Vault;

/// 32 hex digits from the system's random source (the client nonce binding the browser's
/// return to this login).
fn oidc_nonce() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut bytes = [0u8; 16];
    let from_os = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes))
        .is_ok();
    if !from_os {
        for (i, chunk) in bytes.chunks_mut(8).enumerate() {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_usize(i);
            chunk.copy_from_slice(&h.finish().to_le_bytes());
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Refuses a login or logout on a store that has none (the kernel keyring).
fn no_login(cfg: &StoreConfig) -> crate::Result<()> {
    if cfg.kind.holds_profiles() {
        return Ok(());
    }
    Err(crate::Error::Invalid(format!(
        "store \"{}\" is this user's kernel keyring: it needs no login",
        cfg.name
    )))
}

impl Ctx<'_> {
    fn store_config(&self, name: &str) -> crate::Result<StoreConfig> {
        self.config.store(name)
    }

    /// Adds a `[stores.NAME]` table (the address is checked, nothing is contacted).
    pub fn store_add(&self, cfg: &StoreConfig) -> crate::Result<()> {
        crate::profile::validate_name("store", &cfg.name).map_err(crate::Error::Invalid)?;
        if !cfg.kind.holds_profiles()
            && (cfg.addr.is_some() || cfg.namespace.is_some() || cfg.ca_bundle.is_some())
        {
            return Err(crate::Error::Invalid(
                "the kernel keyring is on this machine: it takes no address, namespace or CA bundle".into(),
            ));
        }
        if let Some(a) = &cfg.addr {
            crate::http::parse_service_url(a)?;
        }
        self.config.update(|doc| {
            if self.config.stores()?.iter().any(|s| s.name == cfg.name) {
                return Err(crate::Error::Invalid(format!(
                    "a store named \"{}\" exists already",
                    cfg.name
                )));
            }
            doc.put_store(cfg);
            Ok(())
        })?;
        // Parse what was written, so a bad mount or prefix is refused now, not at first use.
        if let Err(e) = self.config.stores() {
            self.config.update(|doc| {
                doc.remove_store(&cfg.name);
                Ok::<_, crate::Error>(())
            })?;
            return Err(e.into());
        }
        Ok(())
    }

    /// Logs in to store `name`, checks the token with the vault and keeps it in the OS keyring.
    pub fn store_login(
        &self,
        name: &str,
        how: LoginMethod,
    ) -> crate::Result<crate::vault::TokenInfo> {
        use crate::vault_login::Login;
        let cfg = self.store_config(name)?;
        no_login(&cfg)?;
        let at = cfg.vault_addr()?;
        let token = match &how {
            LoginMethod::Token(t) => t.clone(),
            LoginMethod::Userpass { username, password } => {
                crate::vault_login::login(&at, &Login::Userpass { username, password })
                    .map_err(StoreError::from)?
            }
            LoginMethod::AppRole { role_id, secret_id } => {
                crate::vault_login::login(&at, &Login::AppRole { role_id, secret_id })
                    .map_err(StoreError::from)?
            }
            LoginMethod::Jwt { role, jwt } => {
                crate::vault_login::login(&at, &Login::Jwt { role, jwt })
                    .map_err(StoreError::from)?
            }
            LoginMethod::Oidc(pending) => {
                let (deadline, waited) = crate::callback::deadline();
                let code = pending.callback.wait(&pending.state, deadline, waited)?;
                crate::vault_login::oidc_callback(&at, &pending.state, &code, &pending.nonce)
                    .map_err(StoreError::from)?
            }
        };
        let info = Vault::new(&at, token.clone())
            .and_then(|v| v.lookup_self())
            .map_err(StoreError::from)?;
        self.store.set(&cfg.token_id(), &token)?;
        Ok(info)
    }

    /// Begins the OIDC login of a person to store `name`: listens on `localhost:port` (both
    /// loopback addresses: [`crate::callback`]) for the browser's return and asks the vault for
    /// the identity provider's page (for `role`, or the mount's default role). Finish with
    /// [`LoginMethod::Oidc`] in `store_login`.
    pub fn oidc_begin(
        &self,
        name: &str,
        role: Option<&str>,
        port: u16,
    ) -> crate::Result<OidcPending> {
        let cfg = self.store_config(name)?;
        no_login(&cfg)?;
        let at = cfg.vault_addr()?;
        let callback = crate::callback::Callback::listen(port).map_err(crate::Error::Invalid)?;
        let nonce = Secret::new(oidc_nonce());
        let raw = crate::vault_login::oidc_auth_url(&at, role, &callback.redirect_uri(), &nonce)
            .map_err(StoreError::from)?;
        let url = crate::http::openable_url(&raw).ok_or_else(|| {
            crate::Error::Invalid(format!(
                "the vault's sign-in page is not an http(s) URL: {}",
                crate::text::safe_short(&raw, 200)
            ))
        })?;
        // The vault's own state for this login, which the browser brings back.
        let state = url::Url::parse(&raw)
            .ok()
            .and_then(|u| {
                u.query_pairs()
                    .find(|(k, _)| k == "state")
                    .map(|(_, v)| v.into_owned())
            })
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                crate::Error::Invalid(
                    "the vault's sign-in page carries no state, so SimCred could not tell this login's return from any other request; check the vault's OIDC configuration".into(),
                )
            })?;
        Ok(OidcPending {
            url,
            callback,
            state,
            nonce,
        })
    }

    /// Revokes store `name`'s token at the vault (when it answers) and forgets it locally.
    /// Returns whether the vault revoked it.
    pub fn store_logout(&self, name: &str) -> crate::Result<bool> {
        let cfg = self.store_config(name)?;
        no_login(&cfg)?;
        let Some(token) = self.store.get(&cfg.token_id())? else {
            return Ok(false);
        };
        let revoked = cfg
            .vault_addr()
            .ok()
            .and_then(|at| Vault::new(&at, token).ok())
            .map(|v| v.revoke_self().is_ok())
            .unwrap_or(false);
        self.store.delete(&cfg.token_id())?;
        Ok(revoked)
    }

    /// Removes store `name` (refused while profiles live there) and its local token.
    pub fn store_remove(&self, name: &str) -> crate::Result<()> {
        let cfg = self.store_config(name)?;
        let users: Vec<String> = self
            .list_profiles()?
            .into_iter()
            .filter(|p| p.store.as_deref() == Some(name))
            .map(|p| p.name)
            .collect();
        if !users.is_empty() {
            return Err(crate::Error::Invalid(format!(
                "store \"{name}\" still holds the secrets of {}; remove or move those profiles first",
                users.join(", ")
            )));
        }
        let _ = self.store.delete(&cfg.token_id());
        self.config.update(|doc| {
            doc.remove_store(name);
            Ok::<_, crate::Error>(())
        })
    }

    /// Every store, with its profiles; with `ask`, what its vault says about the token.
    pub fn store_status(&self, ask: bool) -> crate::Result<Vec<StoreStatus>> {
        let profiles = self.list_profiles()?;
        let mut out = Vec::new();
        let all = self.config.stores()?;
        for cfg in all.clone() {
            let in_store = |cfg: &StoreConfig| -> Vec<String> {
                profiles
                    .iter()
                    .filter(|p| p.store.as_deref() == Some(cfg.name.as_str()))
                    .map(|p| p.name.clone())
                    .collect()
            };
            if !cfg.kind.holds_profiles() {
                let ns = self.config.keyring_id()?;
                let problem = crate::kernel::KernelStore::new(&ns)
                    .probe()
                    .err()
                    .map(|e| e.to_string());
                out.push(StoreStatus {
                    profiles: in_store(&cfg),
                    config: cfg,
                    token_from: "none",
                    token: None,
                    problem,
                    survives: Some(crate::kernel::SURVIVES),
                    warning: None,
                });
                continue;
            }
            let (token_from, token) = if let Some(t) = env_token(&cfg, &all) {
                ("environment", Some(t))
            } else {
                match self.store.get(&cfg.token_id()) {
                    Ok(Some(t)) => ("keyring", Some(t)),
                    _ => ("none", None),
                }
            };
            let (info, problem) = match (&token, ask) {
                (None, _) => (
                    None,
                    Some(format!(
                        "not logged in (log in to store \"{}\", or set VAULT_TOKEN)",
                        cfg.name
                    )),
                ),
                (Some(_), false) => (None, None),
                (Some(t), true) => match cfg
                    .vault_addr()
                    .and_then(|at| Ok(Vault::new(&at, t.clone())?.lookup_self()?))
                {
                    Ok(i) => (Some(i), None),
                    Err(e) => (None, Some(e.to_string())),
                },
            };
            out.push(StoreStatus {
                profiles: in_store(&cfg),
                warning: cfg.tls_warning(),
                config: cfg,
                token_from,
                token: info,
                problem,
                survives: None,
            });
        }
        Ok(out)
    }
}
