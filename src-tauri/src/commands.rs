//! Commands the web UI may call through `window.__TAURI__.core.invoke`: thin calls into
//! `simcred_core`, which holds all the credential logic (the `simcred` CLI calls the same
//! functions).
//!
//! Each command opens the store afresh (`Simcred::open()` is a TOML read), so the CLI and the
//! app share one store and see each other's edits. Core calls that may block (keyring, network)
//! run on a blocking thread, so the window never freezes. Errors reach the UI as
//! `{code, message}` (see [`crate::error`]). Secrets come in as [`SecretInput`] and never go back
//! out: the UI only ever sees metadata (last four characters, status, dates).
//!
//! Each command must also be listed in `build.rs` (so tauri-build generates its permission) and
//! granted in `capabilities/default.json`. Arguments are snake_case on the JavaScript side.

use crate::error::UiError;
use crate::state::{lock, AppState, CopyInProgress, PendingDelete, PendingLogin, SecretInput};
use serde::Serialize;
use simcred_core::clipboard::{copy_then_clear, CopyEnd};
use simcred_core::providers::Descriptor;
use simcred_core::signin::{Consent, Logout, SignIn};
use simcred_core::vendor::{self, Exported, Imported};
use simcred_core::{
    CheckReport, KeyMeta, Profile, ReplaceReport, Secret, Service, Simcred, StatusReport,
};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tauri::{AppHandle, Emitter, Manager, State};

/// Seconds a copied key stays on the clipboard unless the UI says otherwise.
pub const DEFAULT_CLEAR_AFTER: u64 = 30;

/// Runs `f` on a blocking thread.
pub(crate) async fn blocking<T, F>(f: F) -> Result<T, UiError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, UiError> + Send + 'static,
{
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|_| UiError::internal("the operation stopped unexpectedly; please try again"))?
}

pub(crate) fn open() -> Result<Simcred, UiError> {
    Ok(Simcred::open()?)
}

fn parse_service(s: &str) -> Result<Service, UiError> {
    s.parse::<Service>().map_err(UiError::invalid)
}

/// The clipboard timeout: `SIMCRED_CLIPBOARD_CLEAR_AFTER` (seconds) or 30.
pub fn default_clear_after() -> u64 {
    std::env::var("SIMCRED_CLIPBOARD_CLEAR_AFTER")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|v| (1..=3600).contains(v))
        .unwrap_or(DEFAULT_CLEAR_AFTER)
}

/// Opens a URL in the user's browser when it passes [`simcred_core::http::openable_url`]
/// (http(s), no control characters); false when it was not opened (not such a URL,
/// `SIMCRED_NO_BROWSER` set, or no browser could be started).
pub fn open_in_browser(url: &str) -> bool {
    let disabled = std::env::var("SIMCRED_NO_BROWSER").is_ok_and(|v| !v.is_empty() && v != "0");
    match simcred_core::http::openable_url(url) {
        Some(u) if !disabled => open::that_detached(u.as_str()).is_ok(),
        _ => false,
    }
}

// ---- app ----------------------------------------------------------------------------------

/// What the UI shows about the running app.
#[derive(Debug, Clone, Serialize)]
pub struct AppInfo {
    pub name: &'static str,
    pub version: &'static str,
    /// Default seconds before a copied key is cleared.
    pub clear_after: u64,
    /// Seconds a deleted key can be brought back with Undo ([`UNDO_SECONDS`]).
    pub undo_seconds: u64,
    /// The registry's services, as the UI renders them.
    pub services: Vec<Descriptor>,
    /// The in-app sandbox's URL, when it runs.
    pub sandbox_url: Option<String>,
}

fn services() -> Vec<Descriptor> {
    simcred_core::providers::descriptors()
}

/// The app's name and version, the clipboard default, the undo window and the services.
#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    let sandbox_url = state
        .sandbox
        .lock()
        .ok()
        .and_then(|s| s.as_ref().map(|s| s.url()));
    info(sandbox_url)
}

fn info(sandbox_url: Option<String>) -> AppInfo {
    AppInfo {
        name: "SimCred",
        version: env!("CARGO_PKG_VERSION"),
        clear_after: default_clear_after(),
        undo_seconds: UNDO_SECONDS,
        services: services(),
        sandbox_url,
    }
}

// ---- profiles -----------------------------------------------------------------------------

/// Every profile's state and the keyring in use (metadata only; asks no server).
#[tauri::command]
pub async fn status(state: State<'_, AppState>) -> Result<StatusReport, UiError> {
    let early = state.take_first_probe();
    blocking(move || {
        let sc = open()?;
        let probe = early
            .and_then(|h| h.join().ok().flatten())
            .unwrap_or_else(|| sc.probe_keyring());
        Ok(sc.status_with_probe(probe)?)
    })
    .await
}

/// Asks every profile's service whether its credentials work (in parallel, bounded), records
/// the answers, and returns the status with them. `metered` (an explicit Refresh) also asks
/// services whose every check counts against a plan (Dlubal); the checks at start and in the
/// background leave it out.
#[tauri::command]
pub async fn status_check(metered: Option<bool>) -> Result<StatusReport, UiError> {
    blocking(move || {
        let sc = open()?;
        sc.verify_all(metered.unwrap_or(false))?;
        Ok(sc.status()?)
    })
    .await
}

#[tauri::command]
pub async fn list_profiles() -> Result<Vec<Profile>, UiError> {
    blocking(|| Ok(open()?.list_profiles()?)).await
}

#[tauri::command]
pub async fn profile_show(name: String) -> Result<Profile, UiError> {
    blocking(move || Ok(open()?.profile(&name)?)).await
}

fn non_empty(settings: BTreeMap<String, String>) -> Vec<(String, String)> {
    settings
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .collect()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn profile_add(
    name: String,
    service: String,
    settings: BTreeMap<String, String>,
) -> Result<Profile, UiError> {
    let service = parse_service(&service)?;
    blocking(move || Ok(open()?.add_profile(name.trim(), service, &non_empty(settings))?)).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn profile_edit(
    name: String,
    set: BTreeMap<String, String>,
    unset: Vec<String>,
) -> Result<Profile, UiError> {
    blocking(move || Ok(open()?.edit_profile(&name, &non_empty(set), &unset)?)).await
}

/// Deletes a profile and its secrets; returns the names of the keys deleted.
#[tauri::command]
pub async fn profile_remove(name: String) -> Result<Vec<String>, UiError> {
    blocking(move || Ok(open()?.remove_profile(&name)?)).await
}

/// The page of a profile's server to open: where new keys are made (the service's `key_page`
/// under the profile's `url`), else the `url` itself.
fn key_page_url(p: &Profile) -> Option<String> {
    let default = simcred_core::providers::setting_of(p.service, "url").and_then(|s| s.default);
    let base = p.setting("url").or(default)?;
    let base = if base.ends_with('/') {
        base.to_string()
    } else {
        format!("{base}/")
    };
    Some(match p.service.provider().hints().key_page {
        Some(page) => format!("{base}{page}"),
        None => base,
    })
}

/// Opens the profile's key page (or server URL) in the browser.
#[tauri::command]
pub async fn profile_open_url(name: String) -> Result<bool, UiError> {
    blocking(move || {
        let p = open()?.profile(&name)?;
        let url = key_page_url(&p)
            .ok_or_else(|| UiError::invalid(format!("profile \"{name}\" has no URL")))?;
        Ok(open_in_browser(&url))
    })
    .await
}

// ---- keys ---------------------------------------------------------------------------------

#[tauri::command(rename_all = "snake_case")]
pub async fn key_add(
    profile: String,
    name: Option<String>,
    secret: SecretInput,
    make_default: bool,
) -> Result<KeyMeta, UiError> {
    let secret = secret.require("key")?;
    let name = name.filter(|n| !n.trim().is_empty());
    blocking(move || {
        Ok(open()?.add_key(
            &profile,
            name.as_deref().map(str::trim),
            secret,
            make_default,
        )?)
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn key_check(profile: String, name: Option<String>) -> Result<CheckReport, UiError> {
    blocking(move || Ok(open()?.check_key(&profile, name.as_deref())?)).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn key_default(profile: String, name: String) -> Result<KeyMeta, UiError> {
    blocking(move || Ok(open()?.set_default(&profile, &name)?)).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn key_rename(profile: String, old: String, new: String) -> Result<KeyMeta, UiError> {
    blocking(move || Ok(open()?.rename_key(&profile, &old, new.trim())?)).await
}

/// Deletes a key; returns the new default key's name when the default was deleted.
#[tauri::command(rename_all = "snake_case")]
pub async fn key_remove(profile: String, name: String) -> Result<Option<String>, UiError> {
    blocking(move || Ok(open()?.remove_key(&profile, &name)?)).await
}

/// How long a deleted key can be brought back (seconds), unless the UI asks for less. The one
/// source of this number: the UI reads it from [`app_info`] (`undo_seconds`).
pub const UNDO_SECONDS: u64 = 8;

/// The `key-removed` event: a deletion whose undo window passed was carried out (or failed).
#[derive(Debug, Clone, Serialize)]
pub struct KeyRemoved {
    pub id: u64,
    pub profile: String,
    pub name: String,
    /// The new default key's name when the default was deleted.
    pub new_default: Option<String>,
    /// Why the key could not be deleted (it stays in the keyring).
    pub error: Option<String>,
}

/// Deletes a key once `seconds` (1–60, default 8) have passed, so the UI can offer Undo; until
/// then the key stays in the keyring untouched. Returns the id for [`key_remove_undo`]. A
/// deletion still waiting when the app exits is carried out then ([`flush_deletes`]).
#[tauri::command(rename_all = "snake_case")]
pub async fn key_remove_later(
    app: AppHandle,
    state: State<'_, AppState>,
    profile: String,
    name: String,
    seconds: Option<u64>,
) -> Result<u64, UiError> {
    let (p, n) = (profile.clone(), name.clone());
    // Refuse at once what the deletion would refuse later (no such profile or key).
    blocking(move || {
        let sc = open()?;
        if sc.list_keys(&p)?.iter().any(|k| k.name == n) {
            Ok(())
        } else {
            Err(UiError::invalid(format!(
                "profile \"{p}\" has no key named \"{n}\""
            )))
        }
    })
    .await?;
    let id = state.next_id();
    lock(&state.deletes)?.insert(id, PendingDelete { profile, name });
    let wait = Duration::from_secs(seconds.unwrap_or(UNDO_SECONDS).clamp(1, 60));
    std::thread::spawn(move || {
        std::thread::sleep(wait);
        let st = app.state::<AppState>();
        let due = lock(&st.deletes).ok().and_then(|mut m| m.remove(&id));
        if let Some(d) = due {
            let ev = carry_out(id, d);
            let _ = app.emit("key-removed", ev);
        }
    });
    Ok(id)
}

/// Cancels a deletion that is still waiting; false when it was already carried out.
#[tauri::command(rename_all = "snake_case")]
pub fn key_remove_undo(state: State<'_, AppState>, id: u64) -> Result<bool, UiError> {
    Ok(lock(&state.deletes)?.remove(&id).is_some())
}

fn carry_out(id: u64, d: PendingDelete) -> KeyRemoved {
    let r = open().and_then(|sc| Ok(sc.remove_key(&d.profile, &d.name)?));
    let (new_default, error) = match r {
        Ok(nd) => (nd, None),
        Err(e) => (None, Some(e.message)),
    };
    KeyRemoved {
        id,
        profile: d.profile,
        name: d.name,
        new_default,
        error,
    }
}

/// Carries out every deletion still in its undo window (the app is exiting).
pub fn flush_deletes(app: &AppHandle) {
    let st = app.state::<AppState>();
    let due: Vec<(u64, PendingDelete)> = match lock(&st.deletes) {
        Ok(mut m) => m.drain().collect(),
        Err(_) => return,
    };
    for (id, d) in due {
        if let Some(e) = carry_out(id, d).error {
            eprintln!("simcred-app: a deleted key stays in the keyring: {e}");
        }
    }
}

/// Regenerate-and-replace: with `check`, the new key is checked with the service first and the
/// old one kept when the check fails.
#[tauri::command(rename_all = "snake_case")]
pub async fn key_replace(
    profile: String,
    name: Option<String>,
    secret: SecretInput,
    check: bool,
) -> Result<ReplaceReport, UiError> {
    let secret = secret.require("new key")?;
    blocking(move || Ok(open()?.replace_key(&profile, name.as_deref(), secret, check)?)).await
}

/// A copy that started: the key is on the clipboard now.
#[derive(Debug, Clone, Serialize)]
pub struct CopyStarted {
    pub id: u64,
    pub profile: String,
    pub key: String,
    pub clear_after: u64,
}

/// The `clipboard` event: a countdown tick or the end of a copy.
#[derive(Debug, Clone, Serialize)]
pub struct ClipboardEvent {
    pub id: u64,
    pub profile: String,
    pub key: String,
    /// `counting`, `cleared` (timeout or Clear now), `replaced` (something else was copied
    /// since, left alone) or `error`.
    pub state: &'static str,
    pub seconds_left: u64,
    pub message: Option<String>,
}

/// Copies a key to the clipboard and clears it after `clear_after` seconds (default 30 or
/// `SIMCRED_CLIPBOARD_CLEAR_AFTER`) if it still holds the key. The app process keeps serving
/// the clipboard (X11) from a background thread and emits `clipboard` events for the countdown.
/// The secret never reaches the web view.
#[tauri::command(rename_all = "snake_case")]
pub async fn key_copy(
    app: AppHandle,
    state: State<'_, AppState>,
    profile: String,
    name: Option<String>,
    clear_after: Option<u64>,
) -> Result<CopyStarted, UiError> {
    let secs = clear_after
        .unwrap_or_else(default_clear_after)
        .clamp(1, 3600);
    let (p, n) = (profile.clone(), name.clone());
    let (meta, secret): (KeyMeta, Secret) =
        blocking(move || Ok(open()?.get_key(&p, n.as_deref())?)).await?;
    let id = state.next_id();
    let stop = Arc::new(AtomicBool::new(false));
    *lock(&state.copy)? = Some(CopyInProgress {
        id,
        stop: stop.clone(),
    });
    let started = CopyStarted {
        id,
        profile: profile.clone(),
        key: meta.name.clone(),
        clear_after: secs,
    };
    let (tx, rx) = std::sync::mpsc::channel::<Result<(), UiError>>();
    let key = meta.name.clone();
    let spawned = std::thread::Builder::new()
        .name("simcred-clipboard".into())
        .spawn(move || {
            let event =
                |state: &'static str, seconds_left: u64, message: Option<String>| ClipboardEvent {
                    id,
                    profile: profile.clone(),
                    key: key.clone(),
                    state,
                    seconds_left,
                    message,
                };
            let copied = tx.clone();
            let mut last = u64::MAX;
            let end = copy_then_clear(
                &secret,
                Duration::from_secs(secs),
                move || {
                    let _ = copied.send(Ok(()));
                },
                |left| {
                    let s = (left.as_millis() as u64).div_ceil(1000);
                    if s != last {
                        last = s;
                        let _ = app.emit("clipboard", event("counting", s, None));
                    }
                    !stop.load(Ordering::Relaxed)
                },
            );
            let done = match end {
                Ok(CopyEnd::Cleared) => event("cleared", 0, None),
                Ok(CopyEnd::Replaced) => event("replaced", 0, None),
                Err(e) => {
                    let e = UiError::from(e);
                    let _ = tx.send(Err(e.clone()));
                    event("error", 0, Some(e.message))
                }
            };
            let _ = app.emit("clipboard", done);
            if let Some(st) = app.try_state::<AppState>() {
                if let Ok(mut cur) = st.copy.lock() {
                    if cur.as_ref().is_some_and(|c| c.id == id) {
                        *cur = None;
                    }
                }
            }
        });
    if spawned.is_err() {
        return Err(UiError::internal("cannot start the clipboard thread"));
    }
    let first = tauri::async_runtime::spawn_blocking(move || rx.recv())
        .await
        .map_err(|_| UiError::internal("the clipboard thread stopped unexpectedly"))?;
    match first {
        Ok(Ok(())) => Ok(started),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(UiError::internal(
            "the clipboard thread stopped unexpectedly",
        )),
    }
}

/// Ends the running copy's countdown now: the clipboard is cleared if it still holds the key.
#[tauri::command]
pub fn clipboard_clear(state: State<'_, AppState>) -> Result<bool, UiError> {
    Ok(match lock(&state.copy)?.as_ref() {
        Some(c) => {
            c.stop.store(true, Ordering::Relaxed);
            true
        }
        None => false,
    })
}

// ---- sign-in ------------------------------------------------------------------------------

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
) -> Result<SignIn, UiError> {
    let password = password.require("password")?;
    let totp = totp.and_then(|t| t.0);
    let username = username.trim().to_string();
    if username.is_empty() {
        return Err(UiError::invalid("the user name is empty"));
    }
    blocking(move || {
        Ok(open()?.password_login(
            &profile,
            &username,
            &password,
            totp.as_ref(),
            offline,
            remember_password.unwrap_or(false),
        )?)
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

// ---- vendor files -------------------------------------------------------------------------

/// Writes the profile's key(s) to the vendor's own file.
#[tauri::command(rename_all = "snake_case")]
pub async fn export(
    profile: String,
    key: Option<String>,
    force: Option<bool>,
    include_secret: Option<bool>,
) -> Result<Exported, UiError> {
    blocking(move || {
        let sc = open()?;
        Ok(vendor::export(
            &sc.ctx(),
            &profile,
            key.as_deref(),
            None,
            force.unwrap_or(false),
            include_secret.unwrap_or(false),
        )?)
    })
    .await
}

/// A key found in a vendor file, without its value.
#[derive(Debug, Clone, Serialize)]
pub struct FoundKey {
    pub service: Service,
    pub source: String,
    pub name: String,
    pub last4: String,
    pub url: Option<String>,
    pub is_default: bool,
    /// Why it will not be imported (a bad name or value in the file), when it will not.
    pub problem: Option<String>,
}

/// Looks for keys in the vendor files and variables of every service that has them (the same
/// as `simcred import`); lists them masked.
#[tauri::command]
pub async fn import_scan() -> Result<Vec<FoundKey>, UiError> {
    blocking(|| {
        Ok(vendor::scan(&vendor::importable())?
            .into_iter()
            .map(|f| FoundKey {
                service: f.service,
                last4: f.secret.last4(),
                source: f.source.to_string(),
                name: f.name,
                url: f.url,
                is_default: f.is_default,
                problem: f.problem,
            })
            .collect())
    })
    .await
}

/// The plaintext credentials left on this machine (the same findings as `simcred audit`).
#[tauri::command]
pub async fn audit() -> Result<Vec<simcred_core::audit::Finding>, UiError> {
    blocking(|| Ok(open()?.audit()?)).await
}

/// What `import` did.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub imported: Vec<Imported>,
    /// Plaintext copies removed (sentences).
    pub removed: Vec<String>,
    /// Files or variables that still hold a plaintext copy.
    pub remaining: Vec<String>,
}

/// Moves the keys found into the keyring (into `profile`, which may be a team profile, or a
/// profile of this computer named after the service: `vendor::import`, as the CLI), and with
/// `remove_plaintext` deletes the plaintext copies of what was stored. Each record says where
/// its secret went (`stored_in`).
#[tauri::command(rename_all = "snake_case")]
pub async fn import(
    profile: Option<String>,
    remove_plaintext: bool,
) -> Result<ImportReport, UiError> {
    blocking(move || {
        let sc = open()?;
        let found = vendor::scan(&vendor::importable())?;
        let profile = profile.filter(|p| !p.trim().is_empty());
        let imported = vendor::import(&sc.ctx(), &found, profile.as_deref())?;
        let removed = if remove_plaintext {
            vendor::remove_plaintext(&sc.ctx(), &found, &imported)?
        } else {
            vec![]
        };
        let mut remaining: Vec<String> = if remove_plaintext {
            found
                .iter()
                .filter(|f| matches!(f.source, vendor::Source::Env(_)))
                .map(|f| f.source.to_string())
                .collect()
        } else {
            found.iter().map(|f| f.source.to_string()).collect()
        };
        remaining.dedup();
        Ok(ImportReport {
            imported,
            removed,
            remaining,
        })
    })
    .await
}

// ---- sandbox ------------------------------------------------------------------------------

/// The in-app sandbox and the demo profiles pointing at it.
#[derive(Debug, Clone, Serialize)]
pub struct SandboxInfo {
    pub url: String,
    pub simai_api_url: String,
    pub modelon_url: String,
    pub profiles: Vec<String>,
    /// The demo account of the sandbox's sign-in service.
    pub user: &'static str,
    pub password: &'static str,
}

pub const DEMO_SIMAI: &str = "demo-simai";
pub const DEMO_MODELON: &str = "demo-modelon";
pub const DEMO_DLUBAL: &str = "demo-dlubal";

/// Starts the loopback sandbox inside the app (once) and creates — or points at it again — the
/// demo profiles `demo-simai` (organization demo-org), `demo-modelon` and `demo-dlubal` (each
/// with a fresh key; the Dlubal one is for the sandbox's RFEM, checked only when asked).
#[tauri::command]
pub async fn sandbox_start(state: State<'_, AppState>) -> Result<SandboxInfo, UiError> {
    let (url, simai_api_url, modelon_url, modelon_key, dlubal) = {
        let mut sb = lock(&state.sandbox)?;
        let fresh = sb.is_none();
        if fresh {
            let started = simcred_sandbox::Sandbox::start_with(
                simcred_sandbox::SandboxOptions::default(),
                simcred_sandbox::SimaiOptions {
                    device_interval: 2,
                    ..Default::default()
                },
            )
            .map_err(|e| {
                UiError::new("io", format!("cannot start the sandbox on 127.0.0.1: {e}"))
            })?;
            *sb = Some(started);
        }
        let Some(s) = sb.as_ref() else {
            return Err(UiError::internal(
                "the sandbox did not start; please try again",
            ));
        };
        let key = fresh.then(|| Secret::new(s.regenerate_modelon_key()));
        let dlubal = (
            s.dlubal_port(),
            fresh.then(|| Secret::new(s.new_dlubal_key())),
        );
        (s.url(), s.simai_api_url(), s.modelon_url(), key, dlubal)
    };
    let (api, murl) = (simai_api_url.clone(), modelon_url.clone());
    blocking(move || {
        let sc = open()?;
        let existing: Vec<String> = sc.list_profiles()?.into_iter().map(|p| p.name).collect();
        let has = |n: &str| existing.iter().any(|e| e == n);
        let simai = vec![
            ("url".to_string(), api.clone()),
            ("organization".to_string(), "demo-org".to_string()),
            (
                "description".to_string(),
                "Demo: Ansys SimAI on the built-in sandbox".to_string(),
            ),
        ];
        if has(DEMO_SIMAI) {
            sc.edit_profile(DEMO_SIMAI, &simai, &[])?;
        } else {
            sc.add_profile(DEMO_SIMAI, parse_service("simai")?, &simai)?;
        }
        let modelon = vec![
            ("url".to_string(), murl.clone()),
            (
                "description".to_string(),
                "Demo: Modelon Impact on the built-in sandbox".to_string(),
            ),
        ];
        if has(DEMO_MODELON) {
            sc.edit_profile(DEMO_MODELON, &modelon, &[])?;
        } else {
            sc.add_profile(DEMO_MODELON, parse_service("modelon")?, &modelon)?;
        }
        if let Some(key) = modelon_key {
            if sc.list_keys(DEMO_MODELON)?.is_empty() {
                sc.add_key(DEMO_MODELON, None, key, true)?;
            } else {
                sc.replace_key(DEMO_MODELON, None, key, false)?;
            }
            sc.check_key(DEMO_MODELON, None)?;
        }
        demo_dlubal(&sc, &existing, dlubal)?;
        Ok(())
    })
    .await?;
    Ok(SandboxInfo {
        url,
        simai_api_url,
        modelon_url,
        profiles: vec![DEMO_SIMAI.into(), DEMO_MODELON.into(), DEMO_DLUBAL.into()],
        user: "demo@example.com",
        password: "demo-password",
    })
}

/// `demo-dlubal`, for the sandbox's RFEM on `port`, with `key` (a fresh sandbox) as `demo`. Its
/// key is not checked here: a Dlubal check is made only when the user asks.
fn demo_dlubal(
    sc: &Simcred,
    existing: &[String],
    (port, key): (u16, Option<Secret>),
) -> Result<(), UiError> {
    let settings = vec![
        ("product".to_string(), "rfem".to_string()),
        ("host".to_string(), "127.0.0.1".to_string()),
        ("port".to_string(), port.to_string()),
        (
            "description".to_string(),
            "Demo: Dlubal RFEM on the built-in sandbox".to_string(),
        ),
    ];
    if existing.iter().any(|e| e == DEMO_DLUBAL) {
        sc.edit_profile(DEMO_DLUBAL, &settings, &[])?;
    } else {
        sc.add_profile(DEMO_DLUBAL, parse_service("dlubal")?, &settings)?;
    }
    if let Some(key) = key {
        if !sc.list_keys(DEMO_DLUBAL)?.iter().any(|k| k.name == "demo") {
            sc.add_key(DEMO_DLUBAL, Some("demo"), key, true)?;
        } else {
            sc.replace_key(DEMO_DLUBAL, Some("demo"), key, false)?;
        }
    }
    Ok(())
}

/// Whether a profile is one of the sandbox's demo profiles: made by [`sandbox_start`] (its
/// name) and pointing at a sandbox on this computer.
fn is_demo(p: &Profile) -> bool {
    let local = |u: &str| u.starts_with("http://127.0.0.1:") || u.starts_with("http://localhost:");
    match p.name.as_str() {
        DEMO_SIMAI | DEMO_MODELON => p.setting("url").is_some_and(local),
        DEMO_DLUBAL => p
            .setting("host")
            .is_some_and(|h| h == "127.0.0.1" || h == "localhost"),
        _ => false,
    }
}

/// The sandbox's demo profiles in the store (for "Remove demo profiles").
#[tauri::command]
pub async fn demo_profiles() -> Result<Vec<String>, UiError> {
    blocking(|| demo_names(&open()?)).await
}

fn demo_names(sc: &Simcred) -> Result<Vec<String>, UiError> {
    Ok(sc
        .list_profiles()?
        .into_iter()
        .filter(is_demo)
        .map(|p| p.name)
        .collect())
}

/// What the first screen shows, as the answers `app_info`, `status` and `demo_profiles` would
/// give, for the window to have before its page loads (no round trip before the list can be
/// painted). The status is read without asking the keyring (`keyring_unchecked: true`); the
/// page asks for the full one at once. Leaves out what cannot be read, and the status when a
/// store is configured (reading a team store is a request to a server, which must not hold the
/// window): the page then asks.
pub fn first_screen(state: State<'_, AppState>) -> serde_json::Value {
    let mut first = serde_json::json!({ "app_info": app_info(state) });
    if let Ok(sc) = open() {
        let local_only = sc.config().stores().is_ok_and(|s| s.is_empty());
        let status = local_only.then(|| sc.status_with_probe(Ok(())));
        if let Some(Ok(Ok(mut status))) = status.map(|r| r.map(serde_json::to_value)) {
            status["keyring_unchecked"] = serde_json::Value::Bool(true);
            first["status"] = status;
        }
        if let Ok(demo) = demo_names(&sc) {
            first["demo_profiles"] = serde_json::json!(demo);
        }
    }
    first
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    fn profile(name: &str, url: &str) -> Profile {
        Profile {
            name: name.into(),
            service: parse_service("simai").unwrap(),
            settings: BTreeMap::from([("url".to_string(), url.to_string())]),
            default_key: None,
            keys: vec![],
            tokens: vec![],
            store: None,
        }
    }

    #[test]
    fn demo_profiles_are_the_sandbox_ones_on_this_computer() {
        assert!(is_demo(&profile(DEMO_SIMAI, "http://127.0.0.1:4242/v2/")));
        assert!(is_demo(&profile(
            DEMO_MODELON,
            "http://localhost:1/modelon/"
        )));
        // The name alone is not enough: a real profile someone called demo-simai stays.
        assert!(!is_demo(&profile(
            DEMO_SIMAI,
            "https://api.simai.ansys.com/v2/"
        )));
        assert!(!is_demo(&profile("work", "http://127.0.0.1:4242/v2/")));
    }

    use super::*;

    /// The UI's undo window is the one the backend waits out: app_info tells it.
    #[test]
    fn app_info_tells_the_undo_window() {
        let v = serde_json::to_value(info(None)).unwrap();
        assert_eq!(v["undo_seconds"], UNDO_SECONDS);
        assert_eq!(v["clear_after"], default_clear_after());
    }

    #[test]
    fn services_are_the_registry_descriptors() {
        let s = services();
        assert_eq!(s.len(), simcred_core::providers::ALL.len());
        let v = serde_json::to_value(&s).unwrap();
        let simai = v
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == "simai")
            .unwrap();
        assert_eq!(simai["name"], "Ansys SimAI");
        assert_eq!(simai["key_policy"], "tokens");
        assert_eq!(simai["sign_in"]["consents"], true);
        // One offline token per client: the SDK's own first, then the legacy `sdk`.
        assert_eq!(
            simai["sign_in"]["clients"],
            serde_json::json!(["com.ansys.simai.sdk", "sdk"])
        );
        let names: Vec<&str> = simai["settings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"organization") && names.contains(&"url"));
    }

    #[test]
    fn browser_refuses_non_web_urls() {
        assert!(!open_in_browser("file:///etc/passwd"));
        assert!(!open_in_browser("javascript:alert(1)"));
    }
}
