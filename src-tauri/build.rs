fn main() {
    // Declaring the app's own commands makes tauri-build generate an `allow-<command>` /
    // `deny-<command>` permission for each; a command the UI may call must then be granted by a
    // capability in `capabilities/`.
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(&["app_info"])),
    )
    .expect("failed to run tauri-build");
}
