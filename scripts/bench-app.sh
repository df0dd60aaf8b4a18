#!/usr/bin/env bash
# Desktop-app start-up benchmark (not a test): SimCred's app side by side with a minimal Tauri app
# built from the project's own Cargo.lock (same tauri, wry, webkit2gtk crates; one window, a tiny
# list page), both release builds with Tauri's custom-protocol feature, launched alternately
# through tauri-driver + WebKitWebDriver (which start the app with TAURI_WEBVIEW_AUTOMATION=true,
# honoured by release builds). For each launch: the time from the WebDriver session request to the
# first profile list painted (a performance mark set once the frame showing it is painted), and the
# total PSS of the app and its WebKit processes at that moment. Prints medians and the ratios.
#
#   scripts/bench-app.sh [RUNS]      RUNS launches of each app (default 10), then 5 launches of
#                                    SimCred with 1,000 profiles alternating with 5 with one (the
#                                    ratio of their medians: the target is ≤ 1.2×)
#   BENCH_SIMCRED_ENV="NAME=VALUE …"  adds variables to SimCred's launches only (to try a setting)
#
# Runs in Xvfb with a private D-Bus session and an unlocked gnome-keyring. The release builds run
# with `nice -n 10` (the machine is shared); the minimal app shares target/ with the workspace, so
# it compiles only the crates whose features differ (most of them on the first run, ≈ 10 min).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS="${1:-10}"
bash scripts/install-deps.sh
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
export PATH="$CARGO_HOME/bin:$PATH"

echo "== release build of SimCred (nice -n 10)" >&2
nice -n 10 cargo build --release --locked -p simcred-app -p simcred-cli

# The minimal app: generated under target/, with a copy of the project's Cargo.lock.
MIN="$ROOT/target/bench-minimal"
mkdir -p "$MIN/src" "$MIN/dist" "$MIN/icons"
# Writes stdin to a file unless it already holds exactly that (so nothing recompiles needlessly).
put() {
  local tmp
  tmp=$(mktemp)
  cat >"$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv "$tmp" "$1"; fi
}
cp Cargo.lock "$MIN/Cargo.lock"
put "$MIN/icons/icon.png" <icons/icon.png
put "$MIN/Cargo.toml" <<'EOF'
[package]
name = "minimal-tauri-app"
version = "0.1.0"
edition = "2021"
publish = false

# Not part of SimCred's workspace.
[workspace]

[build-dependencies]
tauri-build = { version = "2", features = [] }

[dependencies]
tauri = { version = "2", features = ["custom-protocol"] }

[profile.release]
strip = true
EOF
put "$MIN/build.rs" <<'EOF'
fn main() {
    tauri_build::build()
}
EOF
put "$MIN/src/main.rs" <<'EOF'
fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .expect("error while running the minimal app");
}
EOF
# Same window and CSP as SimCred's tauri.conf.json.
put "$MIN/tauri.conf.json" <<'EOF'
{
  "productName": "Minimal",
  "identifier": "dev.simcred.bench-minimal",
  "version": "0.1.0",
  "build": { "frontendDist": "dist" },
  "app": {
    "windows": [
      { "label": "main", "title": "Minimal", "width": 1000, "height": 700, "resizable": true, "center": true }
    ],
    "security": {
      "csp": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src ipc: http://ipc.localhost; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
    }
  },
  "bundle": { "active": false, "icon": ["icons/icon.png"] }
}
EOF
put "$MIN/dist/index.html" <<'EOF'
<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Minimal</title>
    <script type="module" src="main.js"></script>
  </head>
  <body>
    <nav aria-label="Profiles">
      <ul>
        <li data-testid="profile-item-p0">p0 · dlubal · stored</li>
      </ul>
    </nav>
  </body>
</html>
EOF
# The same mark as ui/main.js, once the list is in the DOM (here: at once).
put "$MIN/dist/main.js" <<'EOF'
document.body.dataset.ready = "true";
requestAnimationFrame(() => setTimeout(() => performance.mark("simcred:painted")));
EOF
echo "== release build of the minimal Tauri app (nice -n 10)" >&2
(cd "$MIN" && CARGO_TARGET_DIR="$ROOT/target" nice -n 10 cargo build --release)
want=$(awk '/^name = "tauri"$/ {getline; print; exit}' Cargo.lock)
got=$(awk '/^name = "tauri"$/ {getline; print; exit}' "$MIN/Cargo.lock")
[ "$want" = "$got" ] || { echo "bench-app: the minimal app resolved tauri $got, SimCred has $want" >&2; exit 1; }

command -v tauri-driver >/dev/null || cargo install tauri-driver --locked
VENV="$ROOT/target/e2e-venv"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -c "import selenium" 2>/dev/null || "$VENV/bin/python" -m pip install -q selenium==4.38.0 pytest==8.4.2

export SIMCRED_APP="$ROOT/target/release/simcred-app" MINIMAL_APP="$ROOT/target/release/minimal-tauri-app"
N=$((150 + RANDOM % 50))
Xvfb ":$N" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
XP=$!
BENCH_HOME=$(mktemp -d)
trap 'kill $XP 2>/dev/null || true; rm -rf "$BENCH_HOME"' EXIT
export DISPLAY=":$N" HOME="$BENCH_HOME"
for _ in $(seq 1 100); do [ -e "/tmp/.X11-unix/X$N" ] && break; sleep 0.1; done
dbus-run-session -- bash -c "
  eval \"\$(printf bench | gnome-keyring-daemon --unlock --components=secrets)\" >/dev/null
  export GNOME_KEYRING_CONTROL
  '$VENV/bin/python' '$ROOT/tests/e2e/bench_app.py' '$RUNS'"
