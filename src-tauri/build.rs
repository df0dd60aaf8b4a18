fn main() {
    // Declaring the app's own commands makes tauri-build generate an `allow-<command>` /
    // `deny-<command>` permission for each; a command the UI may call must then be granted by a
    // capability in `capabilities/`. Keep this list in sync with `COMMANDS` in src/lib.rs.
    const COMMANDS: &[&str] = &[
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
    ];
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("failed to run tauri-build");
}
