//! Profiles: the status of all of them (with or without asking the services), list, show,
//! add, edit, remove, and opening a profile's key page in the browser.

use crate::commands::{blocking, open, open_in_browser, parse_service};
use crate::error::UiError;
use crate::state::AppState;
use simcred_core::{Profile, StatusReport};
use std::collections::BTreeMap;
use tauri::State;

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
