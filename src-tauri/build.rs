//! Builds the app: joins the UI into what the window loads (see src/ui_bundle.rs), points
//! tauri-build and `generate_context!` at it, and declares the app's commands.

use std::path::{Path, PathBuf};

#[path = "src/ui_bundle.rs"]
mod ui_bundle;

include!("src/command_list.rs");

/// Files of `ui/` the app does not serve: the modules (joined into main.js), tests, npm files.
const NOT_SERVED: &[&str] = &[
    "lib",
    "views",
    "state.js",
    "tests",
    "node_modules",
    "package.json",
    "package-lock.json",
];

fn main() {
    // The window loads ui/ as served from OUT_DIR/ui: the same files, with main.js and the
    // modules it imports joined into one script. tauri.conf.json keeps `frontendDist: ../ui`
    // (the sources, for the Tauri CLI); TAURI_CONFIG, which tauri-build and generate_context!
    // both merge over the file, points them at the joined copy.
    println!("cargo:rerun-if-changed=../ui");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("ui");
    serve_ui(Path::new("../ui"), &out);
    let mut config: serde_json::Value = match std::env::var("TAURI_CONFIG") {
        Ok(given) => serde_json::from_str(&given).expect("TAURI_CONFIG is not JSON"),
        Err(_) => serde_json::json!({}),
    };
    config["build"]["frontendDist"] = serde_json::json!(out);
    let config = config.to_string();
    std::env::set_var("TAURI_CONFIG", &config);
    println!("cargo:rustc-env=TAURI_CONFIG={config}");

    // Declaring the app's own commands (COMMANDS, from src/command_list.rs) makes tauri-build
    // generate an `allow-<command>` / `deny-<command>` permission for each; a command the UI may
    // call must then be granted by a capability in `capabilities/`.
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("failed to run tauri-build");
}

/// Writes what the window serves into `out`: every file of `ui` but [`NOT_SERVED`], with
/// main.js joined. A file whose content is unchanged is not rewritten (nothing recompiles).
fn serve_ui(ui: &Path, out: &Path) {
    let main = ui_bundle::bundle(&ui.join("main.js")).unwrap_or_else(|e| panic!("ui: {e}"));
    let mut wanted = vec![(PathBuf::from("main.js"), main.into_bytes())];
    collect(ui, Path::new(""), &mut wanted);
    for (rel, bytes) in &wanted {
        let path = out.join(rel);
        if std::fs::read(&path).ok().as_deref() != Some(bytes.as_slice()) {
            std::fs::create_dir_all(path.parent().expect("a file in out"))
                .expect("create OUT_DIR/ui");
            std::fs::write(&path, bytes).expect("write OUT_DIR/ui");
        }
    }
}

/// Every served file under `dir` (relative to the ui root `rel`), main.js excepted.
fn collect(dir: &Path, rel: &Path, files: &mut Vec<(PathBuf, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir.join(rel)).expect("read ui/") {
        let entry = entry.expect("read ui/");
        let name = entry.file_name();
        let rel = rel.join(&name);
        if rel == Path::new("main.js") || NOT_SERVED.iter().any(|n| rel == Path::new(n)) {
            continue;
        }
        if entry.file_type().expect("read ui/").is_dir() {
            collect(dir, &rel, files);
        } else {
            files.push((
                rel.clone(),
                std::fs::read(dir.join(&rel)).expect("read ui/"),
            ));
        }
    }
}
