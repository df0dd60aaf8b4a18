# Shared by the end-to-end tests under Wine in tests/windows/test_*.sh (sourced, not run):
# checks that count failures, a private SimCred config directory on the prefix's C: for each
# test file (its keyring entries are namespaced by that directory), `simcred` as simcred.exe
# under Wine, and the leak scan of the prefix's user folders. scripts/test-windows.sh sets
# WINEPREFIX (the tests' own prefix) and passes the path of simcred.exe as the first argument.
set -euo pipefail
EXE=${1:?usage: $0 PATH/TO/simcred.exe}
: "${WINEPREFIX:?WINEPREFIX must name the test prefix}"
export WINEDEBUG=-all

fails=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# check DESCRIPTION COMMAND…: ok when COMMAND succeeds.
check() {
  local what=$1
  shift
  if "$@"; then ok "$what"; else fail "$what"; fi
}

drive_c="$WINEPREFIX/drive_c"
user_dir="$drive_c/users/$(id -un)"
temp_dir="$user_dir/Temp"
local_app="$user_dir/AppData/Local"
roaming_app="$user_dir/AppData/Roaming"
work=$(mktemp -d "$drive_c/simcred-e2e.XXXXXX")
export SIMCRED_CONFIG_DIR="C:\\$(basename "$work")"
# simcred.exe's output without the console's carriage returns.
simcred() { wine "$EXE" "$@"; }
simcred_out() { wine "$EXE" "$@" | tr -d '\r'; }
random_key() { echo "${1:-ak}-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"; }

# Every secret a test used; `finish` checks that none is in any file of the prefix in plain
# text: drive C: (user folders, SimCred's own files, %TEMP%) and the registry files, where
# Wine's Credential Manager keeps its entries (encrypted) — once wineserver has written them.
SECRETS=()
CLEANUPS=()
finish() {
  local s leaks
  wineserver -w
  for s in "${SECRETS[@]}"; do
    leaks=$(grep -rlF -- "$s" "$WINEPREFIX" 2>/dev/null || true)
    [ -z "$leaks" ] && ok "no file in the Wine prefix (C:, registry) holds secret ${s:0:6}… in plain text" \
      || fail "secret ${s:0:6}… is in: $leaks"
  done
  if [ "$fails" -ne 0 ]; then
    echo "$(basename "$0"): $fails check(s) failed"
    exit 1
  fi
  echo "$(basename "$0"): all checks passed"
}
cleanup() {
  local c
  for c in "${CLEANUPS[@]}"; do eval "$c" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
