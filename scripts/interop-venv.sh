#!/usr/bin/env bash
# Creates (if missing) a Python virtualenv at VENV_DIR with the vendors' own
# clients from PyPI, pinned, plus pytest, for the interop suite in tests/interop/,
# and installs SimCred's own Python package (python/, built as a wheel by
# scripts/build-python.sh) into it, afresh each time.
# Reruns are fast: pip is skipped for the vendors' clients while
# VENV_DIR/.simcred-interop-ok holds the same requirement string.
#
# Usage: scripts/interop-venv.sh VENV_DIR
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "usage: $0 VENV_DIR" >&2
  exit 2
fi
VENV_DIR=$1
REQS="modelon-impact-client==4.14.1 dlubal-api==2.16.4 ansys-simai-core==0.4.8 pytest nbclient==0.11.0 nbformat==5.11.1 ipykernel==7.4.0"
MARKER="$VENV_DIR/.simcred-interop-ok"
PY="${PYTHON:-python3}"

if [ ! -x "$VENV_DIR/bin/python" ]; then
  "$PY" -m venv "$VENV_DIR"
fi

# SimCred's package, from this checkout (a wheel, as users install it).
install_simcred() {
  local here
  here="$(cd "$(dirname "$0")/.." && pwd)"
  bash "$here/scripts/build-python.sh" "$VENV_DIR/bin/python" >/dev/null
  "$VENV_DIR/bin/python" -m pip install -q --disable-pip-version-check --no-deps --force-reinstall "$here"/target/python/simcred-*.whl
  "$VENV_DIR/bin/python" -c 'import simcred, simcred.modelon, simcred.simai, simcred.dlubal'
}

if [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$REQS" ]; then
  install_simcred
  exit 0
fi

rm -f "$MARKER"
# shellcheck disable=SC2086  # REQS is a space-separated list of requirement specifiers
"$VENV_DIR/bin/python" -m pip install -q --disable-pip-version-check $REQS
# Fail here, not in the tests, if a client's module cannot be imported.
"$VENV_DIR/bin/python" -c 'import modelon.impact.client.credential_manager, dlubal.api.common.connection, ansys.simai.core.utils.config_file, pytest, nbclient, ipykernel'
printf '%s' "$REQS" >"$MARKER"
install_simcred
