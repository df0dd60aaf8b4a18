//! Sign-in: device login (start, open the browser, wait, cancel), password login, offline
//! tokens, consents (list, revoke) and logout.

use crate::commands::{blocking, open, open_in_browser};
use crate::error::UiError;
use crate::state::{lock, AppState, PendingLogin, SecretInput};
use serde::Serialize;
use simcred_core::signin::{Consent, Logout, SignIn};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tauri::State;

/// A device login that started: show `user_code`, open `browser_url`, then call
/// `device_login_wait` with `id`.
#[derive(Debug, Clone, Serialize)]
pub struct DeviceStart {
    pub id: u64,
    pub profile: String,
    pub offline: bool,
    pub user_code: String,
    /// The address to show (made safe; the openable one when there is one).
    pub verification_uri: String,
    /// The address the browser is sent to; empty when the server offered no http(s) address.
    pub browser_url: String,
    /// Addresses the server offered that were not opened (not http(s)), made safe to show.
    pub refused_urls: Vec<String>,
    pub expires_in: u64,
    pub interval: u64,
    /// Whether the browser was opened.
    pub browser_opened: bool,
}

async fn start_device(
    state: &AppState,
    profile: String,
    offline: bool,
    open_browser: bool,
) -> Result<DeviceStart, UiError> {
    let p = profile.clone();
    let dl = blocking(move || Ok(open()?.start_device_login(&p, offline)?)).await?;
    let browser_url = dl.browser_url().map(|u| u.to_string()).unwrap_or_default();
    let id = state.next_id();
    let out = DeviceStart {
        id,
        profile,
        offline,
        user_code: dl.auth.user_code.clone(),
        verification_uri: dl.shown_url(),
        browser_url: browser_url.clone(),
        refused_urls: dl.refused_urls(),
        expires_in: dl.auth.expires_in,
        interval: dl.auth.interval,
        browser_opened: open_browser && open_in_browser(&browser_url),
    };
    lock(&state.logins)?.insert(
        id,
        PendingLogin {
            login: Some(dl),
            cancel: Arc::new(AtomicBool::new(false)),
            browser_url,
        },
    );
    Ok(out)
}

/// Starts a browser (device) login; opens the browser unless `open_browser` is false.
#[tauri::command(rename_all = "snake_case")]
pub async fn device_login_start(
    state: State<'_, AppState>,
    profile: String,
    offline: bool,
    open_browser: Option<bool>,
) -> Result<DeviceStart, UiError> {
    start_device(&state, profile, offline, open_browser.unwrap_or(true)).await
}

/// Opens the pending device login's page in the browser again.
#[tauri::command]
pub fn device_login_open(state: State<'_, AppState>, id: u64) -> Result<bool, UiError> {
    let url = lock(&state.logins)?
        .get(&id)
        .map(|p| p.browser_url.clone())
        .ok_or_else(|| UiError::invalid("this sign-in is over; start it again"))?;
    Ok(open_in_browser(&url))
}

/// Polls until the user approves (tokens stored), denies, the code expires, or
/// `device_login_cancel` is called (error code `cancelled`).
#[tauri::command]
pub async fn device_login_wait(state: State<'_, AppState>, id: u64) -> Result<SignIn, UiError> {
    let (login, cancel) = {
        let mut logins = lock(&state.logins)?;
        let p = logins
            .get_mut(&id)
            .ok_or_else(|| UiError::invalid("this sign-in is over; start it again"))?;
        let login = p
            .login
            .take()
            .ok_or_else(|| UiError::invalid("this sign-in is already being waited for"))?;
        (login, p.cancel.clone())
    };
    let result = blocking(move || {
        Ok(open()?.finish_device_login(login, &|| cancel.load(Ordering::Relaxed))?)
    })
    .await;
    lock(&state.logins)?.remove(&id);
    result
}

/// Cancels a pending device login; returns whether there was one.
#[tauri::command]
pub fn device_login_cancel(state: State<'_, AppState>, id: u64) -> Result<bool, UiError> {
    let mut logins = lock(&state.logins)?;
    Ok(match logins.get(&id) {
        Some(p) => {
            p.cancel.store(true, Ordering::Relaxed);
            if p.login.is_some() {
                // Nobody is waiting on it yet: forget it now.
                logins.remove(&id);
            }
            true
        }
        None => false,
    })
}

/// `grant_type=password` with an optional one-time code; `offline` keeps an offline token.
#[tauri::command(rename_all = "snake_case")]
pub async fn password_login(
    profile: String,
    username: String,
    password: SecretInput,
    totp: Option<SecretInput>,
    offline: bool,
    remember_password: Option<bool>,
    remember_username: Option<bool>,
) -> Result<SignIn, UiError> {
    let password = password.require("password")?;
    let totp = totp.and_then(|t| t.0);
    let username = username.trim().to_string();
    if username.is_empty() {
        return Err(UiError::invalid("the user name is empty"));
    }
    blocking(move || {
        let sc = open()?;
        let s = sc.password_login(
            &profile,
            &username,
            &password,
            totp.as_ref(),
            offline,
            remember_password.unwrap_or(false),
        )?;
        // Only when the form's box says so: a sign-in adds no setting quietly.
        if remember_username.unwrap_or(false) {
            sc.remember_username(&profile, &username)?;
        }
        Ok(s)
    })
    .await
}

/// How `offline_token` went: signed in at once (password) or a device login to approve.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OfflineStart {
    SignedIn(SignIn),
    Device(DeviceStart),
}

/// A sign-in with `offline_access` whose refresh token (the offline token) is kept in the
/// keyring: with `password` it is a password login, otherwise a device login to approve in the
/// browser (then call `device_login_wait`).
#[tauri::command(rename_all = "snake_case")]
pub async fn offline_token(
    state: State<'_, AppState>,
    profile: String,
    username: Option<String>,
    password: Option<SecretInput>,
    totp: Option<SecretInput>,
    open_browser: Option<bool>,
) -> Result<OfflineStart, UiError> {
    match password.and_then(|p| p.0) {
        Some(password) => {
            let username = username.unwrap_or_default().trim().to_string();
            if username.is_empty() {
                return Err(UiError::invalid("the user name is empty"));
            }
            let totp = totp.and_then(|t| t.0);
            let s = blocking(move || {
                Ok(open()?.password_login(
                    &profile,
                    &username,
                    &password,
                    totp.as_ref(),
                    true,
                    false,
                )?)
            })
            .await?;
            Ok(OfflineStart::SignedIn(s))
        }
        None => Ok(OfflineStart::Device(
            start_device(&state, profile, true, open_browser.unwrap_or(true)).await?,
        )),
    }
}

#[tauri::command]
pub async fn consents_list(profile: String) -> Result<Vec<Consent>, UiError> {
    blocking(move || Ok(open()?.consents(&profile)?)).await
}

/// Revokes a consent; true when it backed SimCred's own offline token (now deleted).
#[tauri::command(rename_all = "snake_case")]
pub async fn consent_revoke(profile: String, client_id: String) -> Result<bool, UiError> {
    blocking(move || Ok(open()?.revoke_consent(&profile, &client_id)?)).await
}

#[tauri::command]
pub async fn logout(profile: String) -> Result<Logout, UiError> {
    blocking(move || Ok(open()?.logout(&profile)?)).await
}
