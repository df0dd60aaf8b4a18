#!/usr/bin/env bash
# Benchmark (not a test): `simcred.key()` from Python against `keyring.get_password()` (the
# `keyring` package from PyPI on the same Secret Service), each a fresh Python process that reads
# one secret, run in turn A B A B … by farm-bench (ratio of medians, pair by pair), against a
# real gnome-keyring in a private D-Bus session. The goal: ratio ≤ 1.0.
# Usage: scripts/bench-python.sh [RUNS]     (default 20 pairs; release build of the CLI unless
#        SIMCRED_BENCH_BIN names a simcred binary)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS="${1:-20}"
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
BIN="${SIMCRED_BENCH_BIN:-}"
if [ -z "$BIN" ]; then
  cargo build --release -p simcred-cli --locked
  BIN="$ROOT/target/release/simcred"
fi
VENV="$ROOT/target/bench-py-venv"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check "keyring==25.6.0"
bash scripts/build-python.sh "$VENV/bin/python" >/dev/null
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps --force-reinstall target/python/simcred-*.whl
BENCH_HOME=$(mktemp -d)
trap 'rm -rf "$BENCH_HOME"' EXIT
export HOME="$BENCH_HOME" SIMCRED_BIN="$BIN" SIMCRED_CONFIG_DIR="$BENCH_HOME/cfg" PY="$VENV/bin/python" RUNS
unset DBUS_SESSION_BUS_ADDRESS GNOME_KEYRING_CONTROL
dbus-run-session -- bash -c '
  set -euo pipefail
  eval "$(printf bench | gnome-keyring-daemon --unlock --components=secrets)" >/dev/null
  "$SIMCRED_BIN" profile add bench --service dlubal >/dev/null
  printf ak-bench-0123456789 | "$SIMCRED_BIN" key add bench main >/dev/null
  "$PY" -c "import keyring; keyring.set_password(\"bench\", \"user\", \"ak-bench-0123456789\")"
  # Both read the same value; check it once before timing.
  [ "$("$PY" -c "import simcred; print(simcred.key(\"bench\"))")" = ak-bench-0123456789 ]
  [ "$("$PY" -c "import keyring; print(keyring.get_password(\"bench\", \"user\"))")" = ak-bench-0123456789 ]
  farm-bench -n "$RUNS" --warmup 3 --timeout 600 \
    --vs "$PY -c \"import keyring; keyring.get_password(\\\"bench\\\", \\\"user\\\")\"" \
    -- "$PY" -c "import simcred; simcred.key(\"bench\")"
'
