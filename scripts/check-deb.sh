#!/usr/bin/env bash
# Checks a SimCred Debian package (default: the one scripts/build-deb.sh --debug made): lists its
# contents (`dpkg-deb -c`), unpacks it with `dpkg-deb -x` into a temporary directory, and runs
# tests/package against the unpacked tree: the files are there with the right modes, the .desktop
# entry passes desktop-file-validate, the man page and completions are the CLI's own, and the
# installed `simcred` and `simcred-app` start (the app through tauri-driver + WebKitWebDriver).
#
# Run it INSIDE a D-Bus session with an unlocked gnome-keyring and with DISPLAY set, like
# scripts/e2e.sh (scripts/test.sh does both). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DEB="${SIMCRED_DEB:-}"
if [ -z "$DEB" ]; then
  DEB=$(ls "$ROOT"/target/debug/bundle/deb/simcred_*.deb 2>/dev/null | head -n 1 || true)
fi
[ -f "$DEB" ] || { echo "check-deb: no package; build one: scripts/build-deb.sh --debug" >&2; exit 2; }
command -v desktop-file-validate >/dev/null || { echo "check-deb: install desktop-file-utils (scripts/install-deps.sh)" >&2; exit 2; }

echo "== package: $DEB ($(du -h "$DEB" | cut -f1))"
dpkg-deb -f "$DEB" Package Version Depends
dpkg-deb -c "$DEB" | grep -v '^d' | awk '{print "  " $1, $3, $6}'

TREE=$(mktemp -d)
trap 'rm -rf "$TREE"' EXIT
dpkg-deb -x "$DEB" "$TREE"
export SIMCRED_DEB="$DEB" SIMCRED_DEB_ROOT="$TREE"
export SIMCRED_BIN="$TREE/usr/bin/simcred" SIMCRED_APP="$TREE/usr/bin/simcred-app"
E2E_DIR="$ROOT/tests/package" bash scripts/e2e.sh "$@"
