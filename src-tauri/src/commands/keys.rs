//! Keys: add, check, make default, rename, remove (at once, or after the undo window), replace,
//! and copy to the clipboard (cleared after a while, or at once with `clipboard_clear`).

use crate::commands::{blocking, default_clear_after, open};
use crate::error::UiError;
use crate::state::{lock, AppState, CopyInProgress, PendingDelete, SecretInput};
use serde::Serialize;
use simcred_core::clipboard::{copy_then_clear, CopyEnd};
use simcred_core::{CheckReport, KeyMeta, ReplaceReport, Secret};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tauri::{AppHandle, Emitter, Manager, State};

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
