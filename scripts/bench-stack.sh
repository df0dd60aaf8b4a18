#!/usr/bin/env bash
# Benchmark (not a test): `simcred key get` (a command that talks to no server) on this checkout
# against the same command built from BASE_REV (default 9aff39a, the last commit on ureq before
# HTTP moved to reqwest + tokio), in turn A B A B … by farm-bench (ratio of medians, pair by
# pair), release builds, a real gnome-keyring in a private D-Bus session. The goal: ratio ≤ 1.0
# (the stack change must not make commands without a server slower: they start no runtime).
# Usage: scripts/bench-stack.sh [RUNS]      (default 30 pairs; BASE_REV=… to compare another)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS="${1:-30}"
BASE_REV="${BASE_REV:-9aff39a}"
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
cargo build --release -p simcred-cli --locked
BASE_SRC="$ROOT/target/bench-base-src"
if [ ! -d "$BASE_SRC/.git" ] && [ ! -f "$BASE_SRC/.git" ]; then
  rm -rf "$BASE_SRC"
  git worktree add -f --detach "$BASE_SRC" "$BASE_REV" >/dev/null
fi
git -C "$BASE_SRC" checkout -q --detach "$BASE_REV"
CARGO_TARGET_DIR="$ROOT/target/bench-base" cargo build --release -p simcred-cli --locked \
  --manifest-path "$BASE_SRC/Cargo.toml"
A="$ROOT/target/release/simcred"
B="$ROOT/target/bench-base/release/simcred"
BENCH_HOME=$(mktemp -d)
trap 'rm -rf "$BENCH_HOME"' EXIT
export HOME="$BENCH_HOME" SIMCRED_CONFIG_DIR="$BENCH_HOME/cfg" A B RUNS
unset DBUS_SESSION_BUS_ADDRESS GNOME_KEYRING_CONTROL
dbus-run-session -- bash -c '
  set -euo pipefail
  eval "$(printf bench | gnome-keyring-daemon --unlock --components=secrets)" >/dev/null
  # Written by the older build, which both read (the newer one adds Dlubal settings it lacks).
  "$B" profile add bench --service dlubal >/dev/null
  printf ak-bench-0123456789 | "$B" key add bench main >/dev/null
  # Both read the same key from the same profile; check it once before timing.
  [ "$("$A" key get bench)" = ak-bench-0123456789 ]
  [ "$("$B" key get bench)" = ak-bench-0123456789 ]
  farm-bench -n "$RUNS" --warmup 3 --timeout 600 --vs "$B key get bench" -- "$A" key get bench
'
