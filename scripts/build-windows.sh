#!/usr/bin/env bash
# Builds SimCred's CLI for Windows (x86_64-pc-windows-gnu) on this Debian machine, experimental:
#   scripts/build-windows.sh            debug:   target/windows/x86_64-pc-windows-gnu/debug/simcred.exe
#   scripts/build-windows.sh --release  release: target/windows/x86_64-pc-windows-gnu/release/simcred.exe
# Installs what is missing from Debian's packages (rustc-web, cargo-web, rust-web-src, mingw-w64,
# wine, wine64), builds with Debian's Rust and std built from its source (-Zbuild-std) into
# target/windows only, builds the stand-in bcryptprimitives.dll Wine 8 lacks
# (scripts/windows/bcryptprimitives.c) and prepares a Wine prefix with it in
# target/windows/wine-prefix. The Linux build and toolchain are left as they are; PATH and RUSTC
# change inside this script only. Run again, it only redoes what changed.
# scripts/test-windows.sh runs the tests under Wine.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PROFILE=debug
CARGO_PROFILE=()
for a in "$@"; do
  case "$a" in
    --release) PROFILE=release CARGO_PROFILE=(--release) ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown option $a (try --help)" >&2; exit 2 ;;
  esac
done
# shellcheck source=windows/common.sh
. scripts/windows/common.sh
win_setup

start=$SECONDS
win_say "building simcred.exe ($PROFILE) with $(rustc --version)"
cargo build "${WIN_CARGO_FLAGS[@]}" "${CARGO_PROFILE[@]}" -p simcred-cli --bin simcred
EXE="$WIN_DIR/$WIN_TARGET/$PROFILE/simcred.exe"
win_say "built $EXE ($(du -h "$EXE" | cut -f1), $((SECONDS - start)) s)"
