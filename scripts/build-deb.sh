#!/usr/bin/env bash
# Builds the Linux bundle (.deb) of the desktop app, offline apart from crates.io:
# target/release/bundle/deb/SimCred_<version>_amd64.deb
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
export PATH="$CARGO_HOME/bin:$PATH"
cargo tauri --version >/dev/null 2>&1 || cargo install tauri-cli --version "^2" --locked
cd src-tauri
cargo tauri build --bundles deb
ls -l ../target/release/bundle/deb/*.deb
