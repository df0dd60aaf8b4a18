//! Commands the web UI may call through `window.__TAURI__.core.invoke`: thin calls into
//! `simcred_core`, which holds all the credential logic (the `simcred` CLI calls the same
//! functions).
//!
//! Each command opens the store afresh (`Simcred::open()` is a TOML read), so the CLI and the
//! app share one store and see each other's edits. Core calls that may block (keyring, network)
//! run on a blocking thread, so the window never freezes. Errors reach the UI as
//! `{code, message}` (see [`crate::error`]). Secrets come in as
//! [`SecretInput`](crate::state::SecretInput) and never go back out: the UI only ever sees
//! metadata (last four characters, status, dates).
//!
//! One module per area of the window: [`app`], [`profiles`], [`keys`], [`signin`],
//! [`vendor_files`], [`stores`], [`project`], [`demo`]; this file holds what they share. Each
//! command is named once in `src/command_list.rs` (build.rs declares it to tauri-build from
//! there), registered in `lib.rs`'s `generate_handler!` and granted in
//! `capabilities/default.json` (a unit test checks the three agree). Arguments are snake_case on
//! the JavaScript side.

use crate::error::UiError;
use simcred_core::{Service, Simcred};

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

pub(crate) fn parse_service(s: &str) -> Result<Service, UiError> {
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

pub mod app;
pub mod demo;
pub mod keys;
pub mod profiles;
pub mod project;
pub mod signin;
pub mod stores;
pub mod vendor_files;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_refuses_non_web_urls() {
        assert!(!open_in_browser("file:///etc/passwd"));
        assert!(!open_in_browser("javascript:alert(1)"));
    }
}
