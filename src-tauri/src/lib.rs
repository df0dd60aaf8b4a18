//! SimCred desktop app: a Tauri v2 shell around the static UI in `ui/`. All credential logic
//! is in `simcred_core`; the commands in [`commands`] are thin calls into it.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod commands;
pub mod error;
pub mod project;
pub mod state;
pub mod stores;
#[cfg(test)]
mod ui_bundle;

use tauri::Manager;

/// The label of the app's only window (see `tauri.conf.json`).
pub const MAIN_WINDOW: &str = "main";

/// The app's command names, shared with build.rs (which `include!`s the file).
mod command_list;
pub use command_list::COMMANDS;

/// Builds and runs the app; returns when the app exits.
pub fn run() {
    let result = tauri::Builder::default()
        // Must be the first plugin: a second launch hands over to the running instance and exits.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            focus_main_window(app);
        }))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .manage(state::AppState::start_probe())
        .setup(|app| {
            open_main_window(app)?;
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::status,
            commands::status_check,
            commands::list_profiles,
            commands::profile_show,
            commands::profile_add,
            commands::profile_edit,
            commands::profile_remove,
            commands::profile_open_url,
            commands::key_add,
            commands::key_check,
            commands::key_default,
            commands::key_rename,
            commands::key_remove,
            commands::key_remove_later,
            commands::key_remove_undo,
            commands::key_replace,
            commands::key_copy,
            commands::clipboard_clear,
            commands::device_login_start,
            commands::device_login_open,
            commands::device_login_wait,
            commands::device_login_cancel,
            commands::password_login,
            commands::offline_token,
            commands::consents_list,
            commands::consent_revoke,
            commands::logout,
            commands::export,
            commands::import_scan,
            commands::import,
            commands::audit,
            commands::sandbox_start,
            commands::demo_profiles,
            stores::store_list,
            stores::store_add,
            stores::store_login,
            stores::store_logout,
            stores::store_remove,
            stores::profile_move,
            project::project_open,
        ])
        .build(tauri::generate_context!());
    match result {
        Ok(app) => app.run(|handle, event| {
            // Deleted keys still in their undo window are deleted now, not kept by accident.
            if let tauri::RunEvent::Exit = event {
                commands::flush_deletes(handle);
            }
        }),
        Err(e) => {
            eprintln!("simcred-app: cannot start the window: {e}");
            std::process::exit(1);
        }
    }
}

/// Opens the main window (tauri.conf.json has it with `create: false`) with the first screen's
/// data in an initialization script, so the page paints its list without waiting for a command.
fn open_main_window(app: &tauri::App) -> tauri::Result<()> {
    let Some(config) = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == MAIN_WINDOW)
    else {
        return Err(tauri::Error::WindowNotFound);
    };
    let first = commands::first_screen(app.state::<state::AppState>());
    tauri::WebviewWindowBuilder::from_config(app.handle(), config)?
        .initialization_script(format!("globalThis.__simcredFirst = {first};"))
        .build()?;
    Ok(())
}

/// Brings the main window to the front (unminimized, shown, focused).
fn focus_main_window(app: &tauri::AppHandle) {
    if let Some(window) = app.get_webview_window(MAIN_WINDOW) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

#[cfg(test)]
mod tests {
    use super::COMMANDS;

    /// Every command has a handler and is granted in the capability, and nothing more; build.rs
    /// declares the same list (it includes command_list.rs).
    #[test]
    fn commands_match_handlers_and_capability() {
        let lib = include_str!("lib.rs");
        let start = lib.find("tauri::generate_handler![").unwrap();
        let list = &lib[start..];
        let list = &list[list.find('[').unwrap() + 1..list.find(']').unwrap()];
        let mut handlers: Vec<String> = list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|path| path.rsplit("::").next().unwrap().to_string())
            .collect();
        handlers.sort();
        let cap: serde_json::Value =
            serde_json::from_str(include_str!("../capabilities/default.json")).unwrap();
        let mut granted: Vec<String> = cap["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p.as_str())
            .filter_map(|p| p.strip_prefix("allow-"))
            .map(|p| p.replace('-', "_"))
            .collect();
        granted.sort();
        let mut want: Vec<String> = COMMANDS.iter().map(|c| c.to_string()).collect();
        want.sort();
        assert_eq!(handlers, want, "generate_handler! in lib.rs");
        assert_eq!(granted, want, "capabilities/default.json grants");
        assert!(include_str!("../build.rs").contains("include!(\"src/command_list.rs\")"));
    }
}
