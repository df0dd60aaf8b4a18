#!/usr/bin/env bash
# End-to-end under Wine (issue 20): simcred.exe keeps a Dlubal key in Wine's Credential Manager,
# prints it back, and `run` hands it to a Windows child (`cmd /c`) as the client reads it,
# %LOCALAPPDATA%\Dlubal\api\config.ini, returns the child's exit code and leaves neither the
# private hand-over directory nor the key in a file behind. Run by scripts/test-windows.sh,
# which sets WINEPREFIX (a prefix of the tests' own) and gives the path of simcred.exe.
# Usage: tests/windows/run.sh PATH/TO/simcred.exe
set -euo pipefail
EXE=${1:?usage: $0 PATH/TO/simcred.exe}
: "${WINEPREFIX:?WINEPREFIX must name the test prefix}"
export WINEDEBUG=-all

fails=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

drive_c="$WINEPREFIX/drive_c"
user_dir="$drive_c/users/$(id -un)"
temp_dir="$user_dir/Temp"
# SimCred's own files for this test alone (its keyring entries are namespaced by this dir).
work=$(mktemp -d "$drive_c/simcred-e2e.XXXXXX")
export SIMCRED_CONFIG_DIR="C:\\$(basename "$work")"
profile=rfem
key="ak-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
simcred() { wine "$EXE" "$@"; }
cleanup() {
  simcred profile remove --yes "$profile" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

simcred profile add "$profile" --service dlubal >/dev/null
printf '%s' "$key" | simcred key add "$profile" p1 >/dev/null
got=$(simcred key get "$profile" | tr -d '\r')
[ "$got" = "$key" ] && ok "key get prints the key from the Credential Manager" \
  || fail "key get printed something else"

runs_before=$(find "$temp_dir" -maxdepth 1 -name 'simcred-run-*' 2>/dev/null | wc -l)
code=0
out=$(simcred run "$profile" -- cmd /c type '%LOCALAPPDATA%\Dlubal\api\config.ini' '&' exit 3 | tr -d '\r') || code=$?
[ "$code" -eq 3 ] && ok "run returns the child's exit code" || fail "run returned $code, not 3"
if grep -qxF "p1 = $key" <<<"$out" && grep -qxF "default = $key" <<<"$out"; then
  ok "the child reads the key in %LOCALAPPDATA%\\Dlubal\\api\\config.ini"
else
  fail "the child's config.ini does not hold the key as p1 and default"
fi
runs_after=$(find "$temp_dir" -maxdepth 1 -name 'simcred-run-*' 2>/dev/null | wc -l)
[ "$runs_after" -eq "$runs_before" ] && ok "the hand-over directory is gone" \
  || fail "a hand-over directory was left in $temp_dir"
[ ! -e "$user_dir/AppData/Local/Dlubal/api/config.ini" ] \
  && ok "the user's own config.ini was not written" \
  || fail "the user's own config.ini was written"

# No file in the prefix's drive holds the key (SimCred's own files included).
leaks=$(grep -rlF -- "$key" "$drive_c" 2>/dev/null || true)
[ -z "$leaks" ] && ok "no file on C: holds the key" || fail "the key is in: $leaks"

if [ "$fails" -ne 0 ]; then
  echo "tests/windows/run.sh: $fails check(s) failed"
  exit 1
fi
echo "tests/windows/run.sh: all checks passed"
