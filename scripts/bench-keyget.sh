#!/usr/bin/env bash
# Benchmark (not a test): `simcred key get` against `secret-tool lookup` of the same secret on
# the same keyring (a real gnome-keyring in a private D-Bus session), in turn A B A B … by
# farm-bench (ratio of medians, pair by pair), release build. The goal (issue 19): ratio ≤ 0.8 —
# SimCred's profile lookup, store routing and deadline cost less than secret-tool's own start.
# Usage: scripts/bench-keyget.sh [RUNS]      (default 30 pairs; SIMCRED_BIN=… for another build)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS="${1:-30}"
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
if [ -z "${SIMCRED_BIN:-}" ]; then
  cargo build --release -p simcred-cli --locked
  SIMCRED_BIN="$ROOT/target/release/simcred"
fi
BENCH_HOME=$(mktemp -d)
trap 'rm -rf "$BENCH_HOME"' EXIT
export HOME="$BENCH_HOME" SIMCRED_CONFIG_DIR="$BENCH_HOME/cfg" A="$SIMCRED_BIN" RUNS
unset DBUS_SESSION_BUS_ADDRESS GNOME_KEYRING_CONTROL XDG_DATA_HOME
dbus-run-session -- bash -c '
  set -euo pipefail
  eval "$(printf bench | gnome-keyring-daemon --unlock --components=secrets)" >/dev/null
  "$A" profile add bench --service dlubal >/dev/null
  printf ak-bench-0123456789 | "$A" key add bench main >/dev/null
  # The entry SimCred wrote (its user is the namespace, the profile, the kind and the name).
  USER=$(secret-tool search --all service simcred 2>&1 | sed -n "s/^attribute.username = //p" | head -1)
  # Both read the same secret; check it once before timing.
  [ "$("$A" key get bench)" = ak-bench-0123456789 ]
  [ "$(secret-tool lookup service simcred username "$USER")" = ak-bench-0123456789 ]
  farm-bench -n "$RUNS" --warmup 3 --timeout 600 --vs "secret-tool lookup service simcred username $USER" -- "$A" key get bench
'
