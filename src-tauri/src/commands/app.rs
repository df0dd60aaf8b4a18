//! The app itself: its name and version, the clipboard and undo defaults, the registry's
//! services as the UI renders them, and what the first screen shows before any request.

use crate::commands::demo::demo_names;
use crate::commands::keys::UNDO_SECONDS;
use crate::commands::{default_clear_after, open};
use crate::state::AppState;
use serde::Serialize;
use simcred_core::providers::Descriptor;
use tauri::State;

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

/// What the first screen shows, as the answers `app_info`, `status` and `demo_profiles` would
/// give, for the window to have before its page loads (no round trip before the list can be
/// painted). The status is read without asking the keyring (`keyring_unchecked: true`); the
/// page asks for the full one at once. Leaves out what cannot be read, and the status when a
/// store is configured (reading a team store is a request to a server, which must not hold the
/// window): the page then asks.
pub fn first_screen(state: State<'_, AppState>) -> serde_json::Value {
    let mut first = serde_json::json!({ "app_info": app_info(state) });
    if let Ok(sc) = open() {
        let local_only = sc.local_only();
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
}
