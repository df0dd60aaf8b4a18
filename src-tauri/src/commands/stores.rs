//! The app's commands for stores: list them (and ask each vault about its token), add one, log
//! in with a token or a user name and password, log out, remove one, and move a profile between
//! this computer and a store. Each is a call to the core facade on a blocking thread.

use crate::commands::{blocking, open};
use crate::error::UiError;
use crate::state::SecretInput;
use serde::Deserialize;
use simcred_core::stores::{LoginMethod, StoreConfig, StoreKind, StoreStatus};
use simcred_core::vault::TokenInfo;
use simcred_core::Profile;

/// Every store with its profiles; with `ask`, what each vault says about its token now.
#[tauri::command]
pub async fn store_list(ask: bool) -> Result<Vec<StoreStatus>, UiError> {
    blocking(move || Ok(open()?.store_status(ask)?)).await
}

/// A new store as the "Add store" form describes it.
#[derive(Debug, Deserialize)]
pub struct NewStore {
    pub name: String,
    /// `openbao`, `vault` or `kernel`.
    pub kind: String,
    pub addr: Option<String>,
    pub mount: Option<String>,
    pub prefix: Option<String>,
    pub ca_bundle: Option<String>,
}

fn given(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

impl NewStore {
    fn config(self) -> Result<StoreConfig, UiError> {
        let kind = StoreKind::parse(self.kind.trim())
            .ok_or_else(|| UiError::invalid("Choose what kind of store this is."))?;
        Ok(StoreConfig {
            name: self.name.trim().to_string(),
            kind,
            addr: given(self.addr),
            mount: given(self.mount).unwrap_or_else(|| simcred_core::stores::DEFAULT_MOUNT.into()),
            prefix: given(self.prefix)
                .unwrap_or_else(|| simcred_core::stores::DEFAULT_PREFIX.into()),
            namespace: None,
            ca_bundle: given(self.ca_bundle),
        })
    }
}

#[tauri::command]
pub async fn store_add(store: NewStore) -> Result<(), UiError> {
    let cfg = store.config()?;
    blocking(move || Ok(open()?.store_add(&cfg)?)).await
}

/// Logs in with a token (`username` empty) or a user name and password (userpass).
#[tauri::command]
pub async fn store_login(
    name: String,
    username: Option<String>,
    secret: SecretInput,
) -> Result<TokenInfo, UiError> {
    let how = match given(username) {
        Some(username) => LoginMethod::Userpass {
            username,
            password: secret.require("password")?,
        },
        None => LoginMethod::Token(secret.require("token")?),
    };
    blocking(move || Ok(open()?.store_login(&name, how)?)).await
}

/// Revokes the token at the vault (when it answers) and forgets it; whether it was revoked.
#[tauri::command]
pub async fn store_logout(name: String) -> Result<bool, UiError> {
    blocking(move || Ok(open()?.store_logout(&name)?)).await
}

#[tauri::command]
pub async fn store_remove(name: String) -> Result<(), UiError> {
    blocking(move || Ok(open()?.store_remove(&name)?)).await
}

/// Moves a profile and its secrets to store `to` (`None`: this computer), copies read back
/// before the source is deleted.
#[tauri::command]
pub async fn profile_move(name: String, to: Option<String>) -> Result<Profile, UiError> {
    let to = given(to);
    blocking(move || Ok(open()?.move_profile(&name, to.as_deref())?)).await
}
