#!/usr/bin/env bash
# Fuzzes SimCred's parsers of outside data (fuzz/, cargo-fuzz + libFuzzer, nightly Rust):
# builds every target once, runs each for FUZZ_SECONDS (default 30) on a scratch copy of its
# seed corpus (fuzz/corpus/<target>), prints the executions per target and in total, and fails
# on any crash, timeout or out-of-memory. `scripts/test.sh` calls it; see fuzz/README.md.
#
#   FUZZ_SECONDS=300 scripts/fuzz.sh            # a longer run
#   FUZZ_JOBS=2 scripts/fuzz.sh                 # two targets at a time (one per core)
#   scripts/fuzz.sh jwt text                    # only these targets
#   FUZZ_NO_BUILD=1 scripts/fuzz.sh             # run the targets as last built
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
export PATH="$CARGO_HOME/bin:$PATH"
export CARGO_TERM_COLOR=never

SECONDS_PER_TARGET="${FUZZ_SECONDS:-30}"
JOBS="${FUZZ_JOBS:-1}"
CARGO_FUZZ_VERSION=0.13.1

die() {
  echo "fuzz: $*" >&2
  exit 1
}

# cargo-fuzz needs a nightly compiler (-Zsanitizer). No nightly is an error, not a skip.
if ! command -v rustup >/dev/null; then
  die "rustup is not installed, so there is no nightly toolchain; install rustup and run: rustup toolchain install nightly"
fi
if ! cargo +nightly --version >/dev/null 2>&1; then
  die "the nightly Rust toolchain is missing (cargo-fuzz needs it for -Zsanitizer=address); run: rustup toolchain install nightly"
fi
if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
  echo "fuzz: installing cargo-fuzz $CARGO_FUZZ_VERSION" >&2
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

ALL_TARGETS=$(cd fuzz && cargo fuzz list)
if (($#)); then TARGETS="$*"; else TARGETS=$ALL_TARGETS; fi

if [ -n "${FUZZ_NO_BUILD:-}" ]; then
  echo "fuzz: FUZZ_NO_BUILD is set: running the targets as last built"
else
echo "fuzz: building $(echo $TARGETS | wc -w) targets ($(cargo +nightly --version))"
build_start=$SECONDS
# `cargo fuzz build` has no --locked: check that fuzz/Cargo.lock needs no change first.
cargo +nightly metadata --locked --format-version 1 --manifest-path fuzz/Cargo.toml >/dev/null ||
  die "fuzz/Cargo.lock is out of date; run: cd fuzz && cargo +nightly update -w, and commit it"
(cd fuzz && cargo +nightly fuzz build)
echo "fuzz: build took $((SECONDS - build_start)) s"
fi

BIN_DIR="$ROOT/fuzz/target/x86_64-unknown-linux-gnu/release"
WORK="$ROOT/fuzz/corpus-work"
LOGS="${FUZZ_LOGS:-$ROOT/fuzz/target/fuzz-logs}"
ARTIFACTS="$ROOT/fuzz/artifacts"
mkdir -p "$WORK" "$LOGS"
# profiles_edit writes scratch files; keep them where they are cleaned up.
SCRATCH=$(mktemp -d -p "$( [ -d /dev/shm ] && [ -w /dev/shm ] && echo /dev/shm || echo "${TMPDIR:-/tmp}")")
trap 'rm -rf "$SCRATCH"' EXIT

run_one() {
  local t=$1
  local corpus="$WORK/$t"
  mkdir -p "$corpus" "$ARTIFACTS/$t"
  cp -n "$ROOT/fuzz/corpus/$t/"* "$corpus/" 2>/dev/null || true
  # Known crashers must stay fixed: run them first (no fuzzing).
  if compgen -G "$ROOT/fuzz/regressions/$t/*" >/dev/null; then
    TMPDIR="$SCRATCH" "$BIN_DIR/$t" -runs=1 "$ROOT/fuzz/regressions/$t/"* >"$LOGS/$t.log" 2>&1 || {
      echo "fuzz: $t: an input saved in fuzz/regressions/$t fails again" >>"$LOGS/$t.log"
      return 1
    }
  fi
  TMPDIR="$SCRATCH" "$BIN_DIR/$t" "$corpus" "$ROOT/fuzz/corpus/$t" \
    -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$ARTIFACTS/$t/" >"$LOGS/$t.log" 2>&1
}

declare -A PIDS
failed=()
total=0
report() {
  local t=$1 rc=$2 n
  n=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$LOGS/$t.log" 2>/dev/null | grep -o '[0-9]*$' | tail -1 || true)
  n=${n:-0}
  total=$((total + n))
  if [ "$rc" -eq 0 ]; then
    echo "$t: $n execs"
  else
    echo "$t: $n execs, FAILED (exit $rc)"
    failed+=("$t")
    # The panic message (up to its backtrace), or the sanitizer's/libFuzzer's summary line.
    sed -n '/panicked at/,/stack backtrace/p' "$LOGS/$t.log" | head -20 >&2 || true
    grep -E 'ERROR: (libFuzzer|AddressSanitizer)|SUMMARY:|Test unit written to|fails again' "$LOGS/$t.log" | head -5 >&2 || true
  fi
}

echo "fuzz: each target for $SECONDS_PER_TARGET s, $JOBS at a time; logs in $LOGS"
running=()
for t in $TARGETS; do
  echo "$ALL_TARGETS" | grep -qx "$t" || die "no fuzz target named $t (targets: $(echo $ALL_TARGETS))"
  run_one "$t" &
  PIDS[$t]=$!
  running+=("$t")
  if ((${#running[@]} >= JOBS)); then
    first=${running[0]}
    rc=0
    wait "${PIDS[$first]}" || rc=$?
    report "$first" "$rc"
    running=("${running[@]:1}")
  fi
done
for t in "${running[@]}"; do
  rc=0
  wait "${PIDS[$t]}" || rc=$?
  report "$t" "$rc"
done
echo "total: $total execs"
if ((${#failed[@]})); then
  die "crash, timeout or out-of-memory in: ${failed[*]} (reproducers in $ARTIFACTS; run one with fuzz/target/x86_64-unknown-linux-gnu/release/TARGET FILE)"
fi
