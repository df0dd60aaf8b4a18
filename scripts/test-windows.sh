#!/usr/bin/env bash
# Runs SimCred's Windows tests under Wine (see README.md, "Windows"): the unit
# tests of simcred-base, simcred-secrets, simcred-core and of the CLI, cross-built for x86_64-pc-windows-gnu and started by
# cargo's runner (wine) in the prefix target/windows/wine-prefix, then the end-to-end tests in
# tests/windows/ against a debug simcred.exe built with the tests' features. Sets everything up
# first like scripts/build-windows.sh. Fails when a test fails. Extra arguments go to the unit
# test binaries (a test name filter, for example).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# shellcheck source=windows/common.sh
. scripts/windows/common.sh
win_setup

start=$SECONDS
win_say "clippy for $WIN_TARGET (the core's crates and the CLI, all targets)"
# Debian's cargo-clippy by its path: `cargo clippy` would find rustup's in ~/.cargo/bin first.
/usr/bin/cargo-clippy clippy "${WIN_CARGO_FLAGS[@]}" "${WIN_FEATURES[@]}" -p simcred-base -p simcred-secrets -p simcred-dlubal -p simcred-core \
  -p simcred-cli --all-targets -- -D warnings
win_say "clippy clean ($((SECONDS - start)) s)"

start=$SECONDS
win_say "unit tests of simcred-base, -secrets, -dlubal, -core and simcred-cli under Wine ($(rustc --version))"
cargo test "${WIN_CARGO_FLAGS[@]}" "${WIN_FEATURES[@]}" -p simcred-base -p simcred-secrets -p simcred-dlubal -p simcred-core \
  -p simcred-cli --lib --bin simcred -- "$@"
win_say "unit tests passed ($((SECONDS - start)) s)"

start=$SECONDS
# simcred.exe with the tests' features, as the Linux suite builds it (the unit tests' own build
# of the core is then reused; scripts/build-windows.sh builds it without the example vendor).
cargo build "${WIN_CARGO_FLAGS[@]}" "${WIN_FEATURES[@]}" -p simcred-cli --bin simcred
EXE="$WIN_DIR/$WIN_TARGET/debug/simcred.exe"
for t in tests/windows/test_*.sh; do
  win_say "end to end: $t"
  bash "$t" "$EXE"
done
win_say "end-to-end tests passed ($((SECONDS - start)) s)"
