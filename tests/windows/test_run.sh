#!/usr/bin/env bash
# End-to-end under Wine: simcred.exe keeps keys in Wine's Credential Manager, prints them back,
# and `run` hands them to a Windows child (`cmd /c`) as each client reads them — Dlubal's in
# %LOCALAPPDATA%\Dlubal\api\config.ini (a private overlay), Modelon's in its environment
# variable — returns the child's exit code and leaves neither the private hand-over directory
# nor a key in a file behind. Run by scripts/test-windows.sh: tests/windows/test_run.sh EXE
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

key=$(random_key ak)
SECRETS+=("$key")
CLEANUPS+=("simcred profile remove --yes rfem")
simcred profile add rfem --service dlubal >/dev/null
printf '%s' "$key" | simcred key add rfem p1 >/dev/null
got=$(simcred_out key get rfem)
check "key get prints the key from the Credential Manager" [ "$got" = "$key" ]
listed=$(simcred_out key list rfem)
check "key list names the key, never its value" \
  bash -c 'grep -q p1 <<<"$1" && ! grep -qF -- "$2" <<<"$1"' _ "$listed" "$key"

runs_before=$(find "$temp_dir" -maxdepth 1 -name 'simcred-run-*' 2>/dev/null | wc -l)
code=0
out=$(simcred_out run rfem -- cmd /c type '%LOCALAPPDATA%\Dlubal\api\config.ini' '&' exit 3) || code=$?
check "run returns the child's exit code (3)" [ "$code" -eq 3 ]
check "the child reads the key in %LOCALAPPDATA%\\Dlubal\\api\\config.ini as p1 and default" \
  bash -c 'grep -qxF "p1 = $2" <<<"$1" && grep -qxF "default = $2" <<<"$1"' _ "$out" "$key"
runs_after=$(find "$temp_dir" -maxdepth 1 -name 'simcred-run-*' 2>/dev/null | wc -l)
check "the hand-over directory is gone" [ "$runs_after" -eq "$runs_before" ]
check "the user's own config.ini was not written" [ ! -e "$local_app/Dlubal/api/config.ini" ]

# Modelon: the key in MODELON_IMPACT_CLIENT_API_KEY, the server in MODELON_IMPACT_CLIENT_URL.
mkey=$(random_key mk)
SECRETS+=("$mkey")
CLEANUPS+=("simcred profile remove --yes impact")
simcred profile add impact --service modelon --url http://127.0.0.1:9/ >/dev/null
printf '%s' "$mkey" | simcred key add impact >/dev/null
code=0
out=$(simcred_out run impact -- cmd /c echo key=%MODELON_IMPACT_CLIENT_API_KEY% url=%MODELON_IMPACT_CLIENT_URL%) || code=$?
check "run hands a Modelon child its key and server in the environment (exit 0)" \
  bash -c '[ "$3" -eq 0 ] && grep -qF "key=$2 url=http://127.0.0.1:9/" <<<"$1"' _ "$out" "$mkey" "$code"
check "a child that fails with 1 makes run exit 1" \
  bash -c '! wine "$1" run impact -- cmd /c exit 1 >/dev/null 2>&1' _ "$EXE"

finish
