#!/usr/bin/env bash
# Sign-in benchmarks (not tests), release build, real gnome-keyring, loopback sandbox:
#  1. delay from the sandbox approving a device login to the token being in the keyring
#     (device polling interval 1 s and Keycloak's default 5 s; 5 logins each);
#  2. `simcred token` wall time with a cached and an uncached access token (hyperfine, 30 runs).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
bash scripts/install-deps.sh
command -v hyperfine >/dev/null || apt-get install -y -q hyperfine >/dev/null
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
cargo build --release --locked -p simcred-cli -p simcred-sandbox
PY=$(python3 -c "import sys; print(sys.executable)")
BENCH_HOME=$(mktemp -d)
trap 'rm -rf "$BENCH_HOME"' EXIT
export HOME="$BENCH_HOME" ROOT PY
dbus-run-session -- bash -c '
  set -euo pipefail
  eval "$(printf bench | gnome-keyring-daemon --unlock --components=secrets)"
  B="$ROOT/target/release"
  export SIMCRED_CONFIG_DIR="$HOME/cfg"
  echo "| device polling interval | approval → token in keyring (mean of 5) | min | max |"
  echo "|---:|---:|---:|---:|"
  for interval in 1 5; do
    "$B/simcred-sandbox" --device-interval "$interval" > "$HOME/sb-$interval.out" 2>/dev/null &
    SB=$!
    until grep -q URL "$HOME/sb-$interval.out" 2>/dev/null; do sleep 0.05; done
    URL=$(sed -n "s/^SIMCRED_SANDBOX_URL=//p" "$HOME/sb-$interval.out")
    P="dev$interval"
    "$B/simcred" profile add "$P" --service simai --organization demo-org --url "$URL/v2/" >/dev/null
    delays=()
    for i in 1 2 3 4 5; do
      "$B/simcred" logout "$P" >/dev/null
      "$B/simcred" login "$P" --no-browser 2>/dev/null >/dev/null &
      LP=$!
      until curl -fsS -X POST "$URL/_sandbox/simai/approve-latest" >/dev/null 2>&1; do sleep 0.02; done
      t0=$(date +%s.%N)
      until secret-tool lookup service simcred username "$P/refresh-token/default" >/dev/null 2>&1; do sleep 0.005; done
      t1=$(date +%s.%N)
      wait $LP
      delays+=("$(echo "$t1 - $t0" | bc)")
    done
    printf "%s\n" "${delays[@]}" | "$PY" "$ROOT/scripts/delay-stats.py" "$interval"
    kill $SB
  done
  echo
  "$B/simcred-sandbox" > "$HOME/sb-tok.out" 2>/dev/null &
  SB=$!
  until grep -q URL "$HOME/sb-tok.out" 2>/dev/null; do sleep 0.05; done
  URL=$(sed -n "s/^SIMCRED_SANDBOX_URL=//p" "$HOME/sb-tok.out")
  "$B/simcred" profile add tok --service simai --organization demo-org --url "$URL/v2/" >/dev/null
  printf "demo-password\n\n" | "$B/simcred" offline-token tok --password --username demo@example.com >/dev/null
  hyperfine -N --style none --warmup 3 --runs 30 --export-json "$HOME/c.json" "$B/simcred token tok" >/dev/null
  hyperfine -N --style none --warmup 3 --runs 30 --export-json "$HOME/u.json" "$B/simcred token tok --refresh" >/dev/null
  echo "| simcred token | wall time |"
  echo "|---|---:|"
  echo "| cached access token (keyring) | $("$PY" "$ROOT/scripts/hyperfine-mean.py" < "$HOME/c.json") |"
  echo "| uncached (refresh with the offline token, store rotated tokens) | $("$PY" "$ROOT/scripts/hyperfine-mean.py" < "$HOME/u.json") |"
  kill $SB
'
