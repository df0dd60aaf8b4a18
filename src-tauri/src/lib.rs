//! SimCred desktop app: a Tauri v2 shell around the static UI in `ui/`. All credential logic
//! is in `simcred_core`; the commands in [`commands`] are thin calls into it.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod commands;
pub mod error;
pub mod state;
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
            commands::app::app_info,
            commands::profiles::status,
            commands::profiles::status_check,
            commands::profiles::list_profiles,
            commands::profiles::profile_show,
            commands::profiles::profile_add,
            commands::profiles::profile_edit,
            commands::profiles::profile_remove,
            commands::profiles::profile_open_url,
            commands::keys::key_add,
            commands::keys::key_check,
            commands::keys::key_default,
            commands::keys::key_rename,
            commands::keys::key_remove,
            commands::keys::key_remove_later,
            commands::keys::key_remove_undo,
            commands::keys::key_replace,
            commands::keys::key_copy,
            commands::keys::clipboard_clear,
            commands::signin::device_login_start,
            commands::signin::device_login_open,
            commands::signin::device_login_wait,
            commands::signin::device_login_cancel,
            commands::signin::password_login,
            commands::signin::offline_token,
            commands::signin::consents_list,
            commands::signin::consent_revoke,
            commands::signin::logout,
            commands::vendor_files::export,
            commands::vendor_files::import_scan,
            commands::vendor_files::import,
            commands::vendor_files::audit,
            commands::demo::sandbox_start,
            commands::demo::demo_profiles,
            commands::stores::store_list,
            commands::stores::store_add,
            commands::stores::store_login,
            commands::stores::store_logout,
            commands::stores::store_remove,
            commands::stores::profile_move,
            commands::project::project_open,
        ])
        .build(tauri::generate_context!());
    match result {
        Ok(app) => app.run(|handle, event| {
            // Deleted keys still in their undo window are deleted now, not kept by accident.
            if let tauri::RunEvent::Exit = event {
                commands::keys::flush_deletes(handle);
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
    let first = commands::app::first_screen(app.state::<state::AppState>());
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
