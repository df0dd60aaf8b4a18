// The app's commands, named once. lib.rs registers a handler for each (`generate_handler!`, which
// needs the functions' paths, so a test checks it names exactly these); build.rs `include!`s this
// file to declare them to tauri-build, which makes an `allow-`/`deny-` permission for each; and
// capabilities/default.json grants each to the main window (checked by the same test). The UI
// names the ones it calls in ui/lib/commands.js (checked by ui/tests/commands.test.js).
// (Plain comments: build.rs includes this file among its items, where `//!` is not allowed.)

/// Every command the UI may call.
pub const COMMANDS: &[&str] = &[
    "app_info",
    "status",
    "status_check",
    "list_profiles",
    "profile_show",
    "profile_add",
    "profile_edit",
    "profile_remove",
    "profile_open_url",
    "key_add",
    "key_check",
    "key_default",
    "key_rename",
    "key_remove",
    "key_remove_later",
    "key_remove_undo",
    "key_replace",
    "key_copy",
    "clipboard_clear",
    "device_login_start",
    "device_login_open",
    "device_login_wait",
    "device_login_cancel",
    "password_login",
    "offline_token",
    "consents_list",
    "consent_revoke",
    "logout",
    "export",
    "import_scan",
    "import",
    "audit",
    "sandbox_start",
    "demo_profiles",
    "store_list",
    "store_add",
    "store_login",
    "store_logout",
    "store_remove",
    "profile_move",
    "project_open",
];
