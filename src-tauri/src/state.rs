//! What the app keeps between commands: the in-app sandbox, pending device logins (with their
//! cancel flags), the clipboard copy in progress and key deletions that can still be undone. Profiles and secrets are not kept here:
//! every command opens the shared store afresh, so the CLI and the app see each other's edits.

use crate::error::UiError;
use serde::{Deserialize, Deserializer};
use simcred_core::signin::DeviceLogin;
use simcred_core::store::StoreError;
use simcred_core::{Secret, Simcred};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// A device login between `device_login_start` and the end of `device_login_wait`.
pub struct PendingLogin {
    /// Taken by `device_login_wait` while it polls.
    pub login: Option<DeviceLogin>,
    pub cancel: Arc<AtomicBool>,
    /// The page to open in the browser.
    pub browser_url: String,
}

/// The clipboard copy whose countdown is running.
pub struct CopyInProgress {
    pub id: u64,
    /// Set to end the countdown early ("Clear now").
    pub stop: Arc<AtomicBool>,
}

/// A key deletion waiting out its undo window: the key is still in the keyring until the
/// window passes (or the app exits), so Undo only has to forget this entry.
pub struct PendingDelete {
    pub profile: String,
    pub name: String,
}

/// The app's state, managed by Tauri.
#[derive(Default)]
pub struct AppState {
    pub sandbox: Mutex<Option<simcred_sandbox::Sandbox>>,
    pub logins: Mutex<HashMap<u64, PendingLogin>>,
    pub copy: Mutex<Option<CopyInProgress>>,
    /// Key deletions that can still be undone, by id.
    pub deletes: Mutex<HashMap<u64, PendingDelete>>,
    /// The keyring probe started with the app (see [`AppState::start_probe`]), taken by the
    /// first `status`.
    pub first_probe: Mutex<Option<FirstProbe>>,
    next_id: AtomicU64,
}

/// A keyring probe running on its own thread; `None` when the store could not be opened.
pub type FirstProbe = std::thread::JoinHandle<Option<Result<(), StoreError>>>;

impl AppState {
    /// The state with a keyring probe already running: the round trip to the Secret Service
    /// overlaps the window's start instead of delaying the first list.
    pub fn start_probe() -> Self {
        let probe = std::thread::spawn(|| Some(Simcred::open().ok()?.probe_keyring()));
        AppState {
            first_probe: Mutex::new(Some(probe)),
            ..AppState::default()
        }
    }

    /// The start-up probe, once (later calls probe afresh); join it off the async runtime.
    pub fn take_first_probe(&self) -> Option<FirstProbe> {
        self.first_probe.lock().ok()?.take()
    }

    /// A fresh id for a device login or a copy.
    pub fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed) + 1
    }
}

/// Locks a mutex, turning poisoning into an error the UI can show.
pub fn lock<T>(m: &Mutex<T>) -> Result<MutexGuard<'_, T>, UiError> {
    m.lock()
        .map_err(|_| UiError::internal("an earlier operation failed unexpectedly; restart SimCred"))
}

/// A secret typed or pasted into the UI (a key, a password, a one-time code). It arrives over
/// IPC as a string, is trimmed and wrapped at once, and is never logged or sent back.
pub struct SecretInput(pub Option<Secret>);

impl SecretInput {
    /// The secret, or an error naming `what` when the field was empty.
    pub fn require(self, what: &str) -> Result<Secret, UiError> {
        self.0
            .ok_or_else(|| UiError::invalid(format!("the {what} is empty; paste or type it first")))
    }
}

impl std::fmt::Debug for SecretInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<'de> Deserialize<'de> for SecretInput {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut raw = String::deserialize(d)?;
        let secret = Secret::from_user_input(&raw);
        zeroize::Zeroize::zeroize(&mut raw);
        Ok(SecretInput(secret))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_input_is_trimmed_and_redacted() {
        let s: SecretInput = serde_json::from_str("\"  ak-123456789\\n\"").unwrap();
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(s.require("key").unwrap().expose(), "ak-123456789");
        let e: SecretInput = serde_json::from_str("\" \"").unwrap();
        assert!(e
            .require("key")
            .unwrap_err()
            .message
            .contains("key is empty"));
    }
}
