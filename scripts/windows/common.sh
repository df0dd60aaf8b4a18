# Shared by scripts/build-windows.sh and scripts/test-windows.sh (sourced, not run): installs
# what the Windows build needs from Debian's packages, sets the cross-build environment for
# this shell only, builds the stand-in bcryptprimitives.dll and prepares the Wine prefix.
# Nothing here touches the Linux build: the rustup toolchain stays first on the caller's PATH,
# and the Windows artefacts live in target/windows alone.

WIN_TARGET=x86_64-pc-windows-gnu
WIN_DIR="$ROOT/target/windows"
export WINEPREFIX="$WIN_DIR/wine-prefix"
WIN_PACKAGES=(rustc-web cargo-web rust-web-src rust-web-clippy mingw-w64 wine wine64)
# -Zbuild-std: rustup cannot add the target here, so std is built from Debian's own source
# package (rust-web-src), which matches Debian's compiler.
WIN_CARGO_FLAGS=(-Zbuild-std=std,panic_abort --target "$WIN_TARGET" --target-dir "$WIN_DIR" --locked)
# The same features as the Linux suite (the tests' made-up vendor).
WIN_FEATURES=(--features simcred-core/example-vendor)

win_say() { echo "== windows: $*"; }

# Installs the missing packages (only those; nothing when all are there).
win_install() {
  local missing=() p
  for p in "${WIN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  win_say "installing ${missing[*]} from Debian"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q "${missing[@]}"
}

# Debian's cargo and rustc (1.96) for this shell only: rustup's proxies in ~/.cargo/bin would
# otherwise come first and pick the Linux toolchain (1.95, no rust-src).
win_env() {
  export PATH=/usr/sbin:/usr/bin:/sbin:/bin
  export RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1
  unset RUSTC_WRAPPER RUSTUP_TOOLCHAIN RUSTFLAGS CARGO_BUILD_TARGET CARGO_TARGET_DIR
  export CARGO_TERM_COLOR=never
  # No incremental caches: they only cost disk in a build that is rarely edited.
  export CARGO_INCREMENTAL=0
  export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
  # cargo test / cargo run start the .exe through Wine.
  export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=wine
  export WINEDEBUG=-all
  # No Mono or Gecko installers: nothing here needs .NET or an HTML engine.
  export WINEDLLOVERRIDES="mscoree,mshtml="
  local src
  src="$(rustc --print sysroot)/lib/rustlib/src/rust/library"
  if [ ! -d "$src" ]; then
    echo "error: Debian's Rust source is not at $src (is rust-web-src installed?)" >&2
    return 1
  fi
}

# The stand-in DLL (see scripts/windows/bcryptprimitives.c), rebuilt when its source changed.
win_dll() {
  WIN_DLL="$WIN_DIR/bcryptprimitives.dll"
  local c="$ROOT/scripts/windows/bcryptprimitives.c"
  mkdir -p "$WIN_DIR"
  if [ ! -f "$WIN_DLL" ] || [ "$c" -nt "$WIN_DLL" ]; then
    win_say "building the stand-in bcryptprimitives.dll"
    x86_64-w64-mingw32-gcc -O2 -Wall -Werror -shared -s -o "$WIN_DLL.tmp" "$c" -lbcrypt
    mv "$WIN_DLL.tmp" "$WIN_DLL"
  fi
}

# A Wine prefix of our own in target/windows/wine-prefix, with the stand-in DLL in system32.
win_prefix() {
  if [ ! -f "$WINEPREFIX/system.reg" ]; then
    win_say "creating the Wine prefix $WINEPREFIX"
    rm -rf "$WINEPREFIX"
    mkdir -p "$WINEPREFIX"
    wineboot -i >/dev/null 2>&1
    # Wait until the prefix's registry is written.
    wineserver -w
  fi
  local sys32="$WINEPREFIX/drive_c/windows/system32"
  if [ ! -d "$sys32" ]; then
    echo "error: the Wine prefix $WINEPREFIX has no system32; remove it and run again" >&2
    return 1
  fi
  if ! cmp -s "$WIN_DLL" "$sys32/bcryptprimitives.dll"; then
    install -m 0644 "$WIN_DLL" "$sys32/bcryptprimitives.dll"
  fi
}

# Everything the build and the tests need before cargo runs.
win_setup() {
  win_install
  win_env
  win_dll
  win_prefix
}
