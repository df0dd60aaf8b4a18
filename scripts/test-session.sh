#!/usr/bin/env bash
# The part of scripts/test.sh that runs inside the suite's private D-Bus session: starts and
# unlocks the session's gnome-keyring, then runs cargo test (one test binary at a time), the
# interop suite, the app's end-to-end suite and the package check. After each stage, and after
# each cargo test binary, scripts/keyring-guard.sh checks that the keyring is still the one
# started here and still unlocked, and fails naming the stage that broke it.
#
# Run by scripts/test.sh as `dbus-run-session -- bash scripts/test-session.sh`, with HOME, DISPLAY
# and SIMCRED_BIN/SIMCRED_APP set; SIMCRED_FEATURES holds the cargo features of the build.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
read -r -a FEATURES <<<"${SIMCRED_FEATURES:-}"

# The keyring: the bus starts it from the suite's service file (scripts/test.sh wrote it; it runs
# scripts/keyring-service.sh), so a daemon that crashes is started again, unlocked. Nothing of its
# environment is exported: the tests that start a keyring of their own must not find this one
# through GNOME_KEYRING_CONTROL.
dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.StartServiceByName \
  string:org.freedesktop.secrets uint32:0 >/dev/null
# Wait for the name (and the unlocked collection).
deadline=$((SECONDS + 30))
until bash scripts/keyring-guard.sh record 2>/dev/null; do
  if ((SECONDS > deadline)); then
    bash scripts/keyring-guard.sh record
    exit 1
  fi
  sleep 0.1
done
# At the end: stop the keyring the bus runs now (after a crash, the one started again), and wait
# until its service script has written its last line into HOME (the exit line in the log):
# scripts/test.sh removes HOME next, and a line written while it does so leaves the directory
# non-empty (CI failed so: "rm: cannot remove …: Directory not empty").
stop_keyring() {
  local pid deadline
  pid=$(bash "$ROOT/scripts/keyring-guard.sh" state 2>/dev/null | awk '{print $1}')
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || return 0
  deadline=$((SECONDS + 15))
  until awk -v p="$pid" '$1 == "exit" && $2 == p {found = 1} END {exit !found}' "$HOME/.simcred-keyring-log" 2>/dev/null; do
    if ((SECONDS > deadline)); then
      echo "test: the suite's gnome-keyring-daemon (pid $pid) did not end within 15 s of SIGTERM" >&2
      return 0
    fi
    sleep 0.1
  done
}
trap stop_keyring EXIT
guard() { bash "$ROOT/scripts/keyring-guard.sh" check "$1"; }

echo "== cargo test (real Secret Service, loopback sandbox, Xvfb), one test binary at a time"
# The test binaries as cargo builds them (nothing is rebuilt: scripts/test.sh built them), each
# run as cargo would run it: from its package's directory.
mapfile -t BINARIES < <(cargo test --workspace --locked "${FEATURES[@]}" --no-run --message-format=json 2>/dev/null |
  python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["profile"]["test"]:
        kind = m["target"]["kind"][0]
        print("\t".join([m["manifest_path"].rsplit("/", 1)[0], m["executable"], m["target"]["name"] + " (" + kind + ")"]))
')
((${#BINARIES[@]} > 0)) || { echo "test: cargo listed no test binaries" >&2; exit 1; }
for row in "${BINARIES[@]}"; do
  IFS=$'\t' read -r dir exe name <<<"$row"
  echo "-- $name"
  (cd "$dir" && "$exe")
  guard "cargo test binary $name"
done
cargo test --workspace --locked "${FEATURES[@]}" --doc
guard "cargo test --doc"

echo "== interop (vendors' Python clients)"
"$ROOT/target/interop-venv/bin/python" -m pytest -q "$ROOT/tests/interop"
guard "interop (tests/interop)"

echo "== desktop app end to end (tauri-driver + WebKitWebDriver, Xvfb)"
bash "$ROOT/scripts/e2e.sh"
guard "e2e (tests/e2e)"

echo "== Debian package: contents, .desktop entry, the unpacked CLI and app"
bash "$ROOT/scripts/check-deb.sh"
guard "package check (tests/package)"
