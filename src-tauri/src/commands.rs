//! Commands the web UI may call through `window.__TAURI__.core.invoke`.
//!
//! Each command must also be listed in `build.rs` (so tauri-build generates its permission)
//! and granted in `capabilities/default.json`.

use serde::Serialize;

/// What the UI shows about the running app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppInfo {
    pub name: &'static str,
    pub version: &'static str,
}

/// The app's name and version, e.g. `{ "name": "SimCred", "version": "0.1.0" }`.
#[tauri::command]
pub fn app_info() -> AppInfo {
    AppInfo {
        name: "SimCred",
        version: env!("CARGO_PKG_VERSION"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_info_serializes_name_and_version() {
        let value = serde_json::to_value(app_info()).unwrap();
        assert_eq!(
            value,
            serde_json::json!({ "name": "SimCred", "version": env!("CARGO_PKG_VERSION") })
        );
    }
}
