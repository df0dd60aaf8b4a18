#!/usr/bin/env bash
# Benchmark (not a test): SimCred's Dlubal key check (`simcred key check`: the key from a real
# gnome-keyring, get_application_info + get_subscription_info over gRPC, the answer recorded)
# against the vendor's own client (dlubal-api 2.16.4 from PyPI: a fresh Python opening
# `rfem.Application(api_key_value=…, port=…)` and calling get_subscription_info), against the
# same sandbox gRPC server, in turn A B A B … by farm-bench (ratio of medians, pair by pair).
# Usage: scripts/bench-dlubal.sh [RUNS]     (default 20 pairs; release builds)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS="${1:-20}"
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
cargo build --release -p simcred-cli -p simcred-sandbox --locked
bash scripts/interop-venv.sh "$ROOT/target/interop-venv" >/dev/null
BENCH_HOME=$(mktemp -d)
SB_PID=
cleanup() {
  [ -z "$SB_PID" ] || kill "$SB_PID" 2>/dev/null || true
  rm -rf "$BENCH_HOME"
}
trap cleanup EXIT
export BIN="$ROOT/target/release/simcred" PY="$ROOT/target/interop-venv/bin/python" RUNS
"$ROOT/target/release/simcred-sandbox" >"$BENCH_HOME/url" 2>/dev/null &
SB_PID=$!
for _ in $(seq 1 100); do
  grep -q SIMCRED_SANDBOX_URL "$BENCH_HOME/url" 2>/dev/null && break
  sleep 0.1
done
URL=$(sed -n 's/^SIMCRED_SANDBOX_URL=//p' "$BENCH_HOME/url")
[ -n "$URL" ] || { echo "bench-dlubal: the sandbox did not start" >&2; exit 1; }
PORT=$(curl -fsS "$URL/_sandbox/dlubal" | sed -n 's/.*"port":\([0-9]*\).*/\1/p')
# A key for this run only: to the sandbox and the keyring on pipes, to the vendor's client in
# its environment (never argv).
BENCH_KEY="ak-bench-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
export PORT BENCH_KEY
printf '{"key":"%s"}' "$BENCH_KEY" | curl -fsS -X POST -H 'content-type: application/json' \
  --data-binary @- "$URL/_sandbox/dlubal/keys" >/dev/null
export HOME="$BENCH_HOME" SIMCRED_CONFIG_DIR="$BENCH_HOME/cfg" XDG_CONFIG_HOME="$BENCH_HOME/xdg"
cat >"$BENCH_HOME/vendor.py" <<'PY'
import os
from dlubal.api import rfem
with rfem.Application(api_key_value=os.environ["BENCH_KEY"], port=int(os.environ["PORT"])) as app:
    app.get_subscription_info()
PY
unset DBUS_SESSION_BUS_ADDRESS GNOME_KEYRING_CONTROL
dbus-run-session -- bash -c '
  set -euo pipefail
  eval "$(printf bench | gnome-keyring-daemon --unlock --components=secrets)" >/dev/null
  "$BIN" profile add bench --service dlubal --set port="$PORT" >/dev/null
  printf %s "$BENCH_KEY" | "$BIN" key add bench main >/dev/null
  # Both succeed against the server once before timing.
  "$BIN" key check bench | grep -q "valid — accepted by RFEM"
  "$PY" "$HOME/vendor.py"
  farm-bench -n "$RUNS" --warmup 3 --timeout 900 --vs "$PY $HOME/vendor.py" -- "$BIN" key check bench
'
