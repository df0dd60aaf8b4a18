#!/usr/bin/env bash
# End-to-end tests of the desktop app: drives the real app (target/debug/simcred-app) in an X
# display through tauri-driver + WebKitWebDriver with selenium, against the loopback sandbox and
# the real Secret Service.
#
# Run it INSIDE a D-Bus session with an unlocked gnome-keyring and with DISPLAY set (scripts/test.sh
# does both), after building: cargo build -p simcred-cli -p simcred-app.
#
# Environment: SIMCRED_BIN, SIMCRED_APP (default target/debug/simcred, target/debug/simcred-app),
# PYTHON (the interpreter that makes the virtualenv; default python3, else /usr/bin/python3).
# Extra arguments go to pytest (e.g. -k consent -x); E2E_DIR runs another test dir with the same
# virtualenv (for debugging).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
export PATH="$CARGO_HOME/bin:$PATH"
export SIMCRED_BIN="${SIMCRED_BIN:-$ROOT/target/debug/simcred}"
export SIMCRED_APP="${SIMCRED_APP:-$ROOT/target/debug/simcred-app}"

for b in "$SIMCRED_BIN" "$SIMCRED_APP"; do
  if [ ! -x "$b" ]; then
    echo "e2e: $b is missing; build first: cargo build -p simcred-cli -p simcred-app" >&2
    exit 2
  fi
done
if [ -z "${DISPLAY:-}" ]; then
  echo "e2e: DISPLAY is not set; run inside Xvfb (scripts/test.sh starts one)" >&2
  exit 2
fi
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  echo "e2e: no D-Bus session; run inside dbus-run-session with an unlocked gnome-keyring" >&2
  exit 2
fi
if ! command -v WebKitWebDriver >/dev/null; then
  echo "e2e: WebKitWebDriver is missing; install the Debian package webkit2gtk-driver" >&2
  exit 2
fi
if ! command -v tauri-driver >/dev/null; then
  echo "== e2e: installing tauri-driver"
  cargo install tauri-driver --locked
fi

VENV="$ROOT/target/e2e-venv"
REQS="selenium==4.38.0 pytest==8.4.2"
MARKER="$VENV/.simcred-e2e-ok"
if [ ! -f "$MARKER" ] || [ "$(cat "$MARKER")" != "$REQS" ]; then
  PY="${PYTHON:-}"
  if [ -z "$PY" ]; then
    for c in python3 /usr/bin/python3; do
      if "$c" -c 'import venv, ensurepip' >/dev/null 2>&1; then PY=$c; break; fi
    done
  fi
  [ -n "$PY" ] || { echo "e2e: no python3 with venv; set PYTHON" >&2; exit 2; }
  echo "== e2e: virtualenv $VENV ($REQS)"
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
  # shellcheck disable=SC2086  # REQS is a space-separated list of requirement specifiers
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check $REQS
  printf '%s' "$REQS" >"$MARKER"
fi

echo "== e2e: desktop app through tauri-driver ($(tauri-driver --version 2>/dev/null || echo tauri-driver))"
exec "$VENV/bin/python" -m pytest -q -p no:cacheprovider "${E2E_DIR:-$ROOT/tests/e2e}" "$@"
