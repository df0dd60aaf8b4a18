#!/usr/bin/env bash
# Builds the Debian package of SimCred: the desktop app (/usr/bin/simcred-app), the `simcred` CLI
# (/usr/bin/simcred), the .desktop entry, the icons, the CLI's man page and its bash, zsh and fish
# completions.
#
#   scripts/build-deb.sh            release build, for users:
#                                   target/release/bundle/deb/simcred_<version>_amd64.deb
#   scripts/build-deb.sh --debug    packages the debug binaries already in target/debug (built by
#                                   scripts/test.sh; nothing is compiled), for CI's package check:
#                                   target/debug/bundle/deb/simcred_<version>_amd64.deb
#
# Cargo builds both binaries; the app gets Tauri's `custom-protocol` feature (on by default in
# src-tauri/Cargo.toml), so it serves the UI embedded in the binary, as `tauri build` would.
# `tauri bundle` then packages them. It comes from the npm registry's @tauri-apps/cli (a prebuilt
# binary; nothing is compiled), at the major.minor of the `tauri` crate in Cargo.lock, installed
# under target/tauri-cli. Prints the package's path.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PROFILE=release
case "${1:-}" in
  --debug) PROFILE=debug ;;
  "") ;;
  *) echo "usage: scripts/build-deb.sh [--debug]" >&2; exit 2 ;;
esac

bash scripts/install-deps.sh
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
export PATH="$CARGO_HOME/bin:$PATH"

# The Tauri CLI from npm, matching the tauri crate's major.minor.
TAURI_VERSION=$(awk '/^name = "tauri"$/ {getline; gsub(/[^0-9.]/, ""); print; exit}' Cargo.lock)
[ -n "$TAURI_VERSION" ] || { echo "build-deb: no tauri crate in Cargo.lock" >&2; exit 1; }
CLI_SPEC="@tauri-apps/cli@~${TAURI_VERSION%.*}"
CLI_DIR="$ROOT/target/tauri-cli"
TAURI="$CLI_DIR/node_modules/.bin/tauri"
if [ ! -x "$TAURI" ] || [ "$(cat "$CLI_DIR/.spec" 2>/dev/null)" != "$CLI_SPEC" ]; then
  command -v npm >/dev/null || { echo "build-deb: npm is missing (Debian package npm, or Node.js)" >&2; exit 1; }
  echo "build-deb: installing $CLI_SPEC from the npm registry into $CLI_DIR" >&2
  rm -rf "$CLI_DIR"
  mkdir -p "$CLI_DIR"
  npm install --silent --no-audit --no-fund --no-save --prefix "$CLI_DIR" "$CLI_SPEC" >&2
  printf '%s' "$CLI_SPEC" >"$CLI_DIR/.spec"
fi
echo "build-deb: $("$TAURI" --version) for tauri $TAURI_VERSION" >&2

BIN="$ROOT/target/$PROFILE"
if [ "$PROFILE" = release ]; then
  cargo build --release --locked -p simcred-cli -p simcred-app
else
  for b in simcred simcred-app; do
    [ -x "$BIN/$b" ] || { echo "build-deb: $BIN/$b is missing; build first: cargo build -p simcred-cli -p simcred-app" >&2; exit 1; }
  done
fi

# The files tauri.conf.json's bundle.linux.deb.files takes from target/deb-files/.
STAGE="$ROOT/target/deb-files"
rm -rf "$STAGE"
mkdir -p "$STAGE"
install -m 0755 "$BIN/simcred" "$STAGE/simcred"
"$BIN/simcred" man | gzip -9n >"$STAGE/simcred.1.gz"
"$BIN/simcred" completions bash >"$STAGE/simcred.bash"
"$BIN/simcred" completions zsh >"$STAGE/_simcred"
"$BIN/simcred" completions fish >"$STAGE/simcred.fish"
chmod 0644 "$STAGE"/simcred.1.gz "$STAGE"/simcred.bash "$STAGE"/_simcred "$STAGE"/simcred.fish

cd src-tauri
rm -f "$BIN"/bundle/deb/*.deb
BUNDLE_ARGS=(--ci --bundles deb)
[ "$PROFILE" = debug ] && BUNDLE_ARGS+=(--debug)
# The package is `simcred` (Tauri derives it from productName, which would give "sim-cred"); the
# binaries keep the product name SimCred.
"$TAURI" bundle "${BUNDLE_ARGS[@]}" --config '{"productName": "simcred"}' >&2
DEB=$(ls "$BIN"/bundle/deb/*.deb)
ls -l "$DEB" >&2
echo "$DEB"
