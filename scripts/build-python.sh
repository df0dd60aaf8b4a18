#!/usr/bin/env bash
# Builds the Python package in python/ (simcred, pure Python) as a wheel into target/python/.
#   scripts/build-python.sh [PYTHON]      PYTHON: the interpreter whose pip builds it (default python3)
# pip fetches setuptools from PyPI for the build (isolated); nothing is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${1:-python3}"
OUT=target/python
rm -rf "$OUT" python/build python/simcred.egg-info
mkdir -p "$OUT"
"$PY" -m pip wheel -q --disable-pip-version-check --no-deps -w "$OUT" ./python
rm -rf python/build python/simcred.egg-info
ls "$OUT"/simcred-*.whl
