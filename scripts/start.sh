#!/usr/bin/env bash
# Installs what is missing, builds SimCred, and launches the desktop app. With no profiles yet,
# it starts the built-in demo provider (the loopback sandbox) and creates a demo profile, so the
# whole flow can be tried without an account.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
bash scripts/install-deps.sh
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
export PATH="$CARGO_HOME/bin:$PATH"
cargo build --locked -p simcred-cli -p simcred-sandbox -p simcred-app
BIN="$ROOT/target/debug"

launch() {
  # Runs inside a session that has a Secret Service.
  if ! "$BIN/simcred" profile list --json | grep -q '"name"'; then
    echo "simcred: no profiles yet: starting the demo provider (loopback sandbox)" >&2
    "$BIN/simcred-sandbox" > "${TMPDIR:-/tmp}/simcred-sandbox.url" 2>/dev/null &
    SANDBOX_PID=$!
    trap 'kill $SANDBOX_PID 2>/dev/null || true' EXIT
    for _ in $(seq 1 100); do
      grep -q SIMCRED_SANDBOX_URL "${TMPDIR:-/tmp}/simcred-sandbox.url" 2>/dev/null && break
      sleep 0.1
    done
    URL=$(sed -n 's/^SIMCRED_SANDBOX_URL=//p' "${TMPDIR:-/tmp}/simcred-sandbox.url")
    "$BIN/simcred" profile add demo-modelon --service modelon --url "$URL/modelon/" \
      --set description="Demo: Modelon Impact on the built-in sandbox" >/dev/null
    curl -fsS -X POST "$URL/_sandbox/modelon/regenerate" \
      | sed -n 's/.*"key":"\([^"]*\)".*/\1/p' | "$BIN/simcred" key add demo-modelon >/dev/null
    "$BIN/simcred" key check demo-modelon || true
  fi
  "$BIN/simcred" status || true
  "$BIN/simcred-app"
}

if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "simcred: no graphical display (DISPLAY is not set). Run this from a desktop session," >&2
  echo "or use the CLI: $BIN/simcred --help" >&2
  exit 1
fi
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  echo "simcred: no D-Bus session: starting one with a gnome-keyring for this run" >&2
  export -f launch
  export BIN
  exec dbus-run-session -- bash -c '
    printf "%s" "${SIMCRED_KEYRING_PASSWORD:-}" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    launch'
fi
launch
