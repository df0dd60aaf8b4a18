#!/usr/bin/env bash
# Desktop-app benchmark (not a test): launch → profile list painted with 1 and 1,000 profiles,
# resident memory, release binary size. Release build, Xvfb, private D-Bus + gnome-keyring.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
bash scripts/install-deps.sh
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
export PATH="$CARGO_HOME/bin:$PATH"
# Size from the release build; timing and memory from the debug build, because WebKitWebDriver
# can only attach to a webview that allows automation, which Tauri enables in debug builds only.
cargo build --release --locked -p simcred-app
cargo build --locked -p simcred-app
command -v tauri-driver >/dev/null || cargo install tauri-driver --locked
VENV="$ROOT/target/e2e-venv"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -c "import selenium, pytest" 2>/dev/null || "$VENV/bin/python" -m pip install -q selenium==4.38.0 pytest==8.4.2
export SIMCRED_APP="$ROOT/target/debug/simcred-app" SIMCRED_APP_RELEASE="$ROOT/target/release/simcred-app"
N=$((150 + RANDOM % 50))
Xvfb ":$N" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
XP=$!
BENCH_HOME=$(mktemp -d)
trap 'kill $XP 2>/dev/null || true; rm -rf "$BENCH_HOME"' EXIT
export DISPLAY=":$N" HOME="$BENCH_HOME"
for _ in $(seq 1 100); do [ -e "/tmp/.X11-unix/X$N" ] && break; sleep 0.1; done
dbus-run-session -- bash -c "
  eval \"\$(printf bench | gnome-keyring-daemon --unlock --components=secrets)\"
  '$VENV/bin/python' '$ROOT/tests/e2e/bench_app.py'"
