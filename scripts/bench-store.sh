#!/usr/bin/env bash
# Benchmarks `simcred key get` on a team profile (a real OpenBao dev server on loopback) side by
# side with a local one (the real gnome-keyring in a private D-Bus session), alternating runs in
# one session, and 20 concurrent readers of each. Prints medians and ratios.
#
# Usage: scripts/bench-store.sh [RUNS]   (default 30; needs a debug or release build:
#        SIMCRED_BIN, default target/debug/simcred; scripts/openbao.sh installs bao)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${1:-${RUNS:-30}}
export SIMCRED_BIN="${SIMCRED_BIN:-$ROOT/target/debug/simcred}"
bash scripts/openbao.sh "$ROOT/target/bao-venv" >/dev/null
export BAO="$ROOT/target/bao-venv/bin/bao"
export RUNS

if [ -z "${SIMCRED_BENCH_INNER:-}" ]; then
  export SIMCRED_BENCH_INNER=1
  HOME=$(mktemp -d) exec dbus-run-session -- bash -c \
    'eval "$(printf bench | gnome-keyring-daemon --unlock --components=secrets)" >/dev/null; export GNOME_KEYRING_CONTROL; exec bash "$0"' "$0"
fi

WORK=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ROOT_TOKEN="bench-root-$RANDOM$RANDOM"
"$BAO" server -dev -dev-root-token-id="$ROOT_TOKEN" -dev-listen-address="127.0.0.1:$PORT" >"$WORK/bao.log" 2>&1 &
BAO_PID=$!
trap 'kill $BAO_PID 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 300); do
  BAO_ADDR="http://127.0.0.1:$PORT" "$BAO" status >/dev/null 2>&1 && break
  sleep 0.1
done

export SIMCRED_CONFIG_DIR="$WORK/cfg"
S="$SIMCRED_BIN"
"$S" store add team --kind openbao --addr "http://127.0.0.1:$PORT" --prefix bench >/dev/null
printf '%s' "$ROOT_TOKEN" | "$S" store login team >/dev/null
"$S" profile add local --service dlubal >/dev/null
"$S" profile add shared --service dlubal --store team >/dev/null
printf 'ak-bench-local-0123456789' | "$S" key add local k >/dev/null
printf 'ak-bench-team-0123456789' | "$S" key add shared k >/dev/null

ms() { python3 -c 'import time; print(time.monotonic_ns()//1000)'; }
median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m/1000}'; }

: >"$WORK/local" ; : >"$WORK/team" ; : >"$WORK/local20" ; : >"$WORK/team20"
for _ in $(seq 1 "$RUNS"); do
  for p in local team; do
    prof=$p; [ "$p" = team ] && prof=shared
    t0=$(ms); "$S" key get "$prof" >/dev/null; t1=$(ms)
    echo $((t1 - t0)) >>"$WORK/$p"
  done
done
for _ in $(seq 1 5); do
  for p in local team; do
    prof=$p; [ "$p" = team ] && prof=shared
    t0=$(ms)
    pids=()
    for _ in $(seq 1 20); do "$S" key get "$prof" >/dev/null & pids+=($!); done
    wait "${pids[@]}"  # not the vault server, which runs in the background too
    t1=$(ms)
    echo $((t1 - t0)) >>"$WORK/${p}20"
  done
done
L=$(median <"$WORK/local"); T=$(median <"$WORK/team")
L20=$(median <"$WORK/local20"); T20=$(median <"$WORK/team20")
echo "simcred key get, median of $RUNS alternating runs (ms):"
echo "  local (OS keyring)         $L"
echo "  team (OpenBao, loopback)   $T   ratio $(python3 -c "print(round($T/$L, 2))")"
echo "20 concurrent readers, wall time, median of 5 (ms):"
echo "  local                      $L20"
echo "  team                       $T20   ratio $(python3 -c "print(round($T20/$L20, 2))")"
