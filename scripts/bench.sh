#!/usr/bin/env bash
# Benchmarks (not tests): wall time of `simcred key get` and `simcred status` with 1, 100 and
# 1,000 profiles, on a release build, against a real gnome-keyring in a private D-Bus session.
# Usage: scripts/bench.sh   (prints a Markdown table; needs hyperfine, installed if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
bash scripts/install-deps.sh
command -v hyperfine >/dev/null || { apt-get install -y -q hyperfine >/dev/null; }
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
cargo build --release -p simcred-cli --locked
BIN="$ROOT/target/release/simcred"
BENCH_HOME=$(mktemp -d)
trap 'rm -rf "$BENCH_HOME"' EXIT
PY=$(python3 -c "import sys; print(sys.executable)")
export HOME="$BENCH_HOME" BIN ROOT PY
dbus-run-session -- bash -c '
  set -euo pipefail
  eval "$(printf bench | gnome-keyring-daemon --unlock --components=secrets)"
  echo "| profiles | simcred key get | simcred status |"
  echo "|---:|---:|---:|"
  for n in 1 100 1000; do
    export SIMCRED_CONFIG_DIR="$HOME/cfg-$n"
    mkdir -p "$SIMCRED_CONFIG_DIR"
    # Profiles 1..n-1 are written straight to the file (metadata only); profile p0 has a real key.
    "$BIN" profile add p0 --service dlubal >/dev/null
    printf ak-bench-0123456789 | "$BIN" key add p0 main >/dev/null
    for i in $(seq 1 $((n - 1))); do
      printf "\n[profiles.p%d]\nservice = \"dlubal\"\ndefault_key = \"main\"\n\n[profiles.p%d.keys.main]\ncreated = \"2026-01-01T00:00:00Z\"\nlast4 = \"6789\"\nstatus = \"valid\"\n" "$i" "$i"
    done >> "$SIMCRED_CONFIG_DIR/profiles.toml"
    hyperfine -N --style none --warmup 3 --runs 30 --export-json "$HOME/get.json" "$BIN key get p0" >/dev/null
    hyperfine -N --style none --warmup 3 --runs 30 -i --export-json "$HOME/st.json" "$BIN status" >/dev/null
    get=$("$PY" "$ROOT/scripts/hyperfine-mean.py" < "$HOME/get.json")
    st=$("$PY" "$ROOT/scripts/hyperfine-mean.py" < "$HOME/st.json")
    echo "| $n | $get | $st |"
  done
'
