// Prevents an additional console window on Windows in release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // WebKitGTK paints with Skia on the GPU path by default, which without a GPU (VMs, remote
    // desktops, Xvfb: Mesa's llvmpipe) costs a GL context and ≈ 45 MiB more in the web process
    // and delays the first frames; SimCred's few static panes paint as fast on the CPU
    // (scripts/bench-app.sh). Set before the web process starts, which inherits it; a value the
    // user set is kept (WEBKIT_SKIA_ENABLE_CPU_RENDERING=0 brings the GPU path back).
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_SKIA_ENABLE_CPU_RENDERING").is_none() {
        std::env::set_var("WEBKIT_SKIA_ENABLE_CPU_RENDERING", "1");
    }
    simcred_app_lib::run();
}
