#!/usr/bin/env bash
# End-to-end under Wine: bad input gets a clear error and loses nothing — a malformed
# profiles.toml (file and line, never overwritten), a profiles.toml another process holds open
# without sharing, a huge key on stdin — and `status --json` names the Windows Credential Manager.
# Run by scripts/test-windows.sh: tests/windows/test_input.sh EXE
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

status=$(simcred_out status --json) || true
check "status --json is JSON and names the Windows Credential Manager" python3 -c '
import json, sys
s = json.dumps(json.loads(sys.argv[1]))
sys.exit("Credential Manager" not in s)' "$status"

# A malformed profiles.toml: the error names the file and the line; the file is kept as it was.
printf '[profiles.a]\nservice = "dlubal"\n\n[profiles.b\n' >"$work/profiles.toml"
cp "$work/profiles.toml" "$work/profiles.before"
code=0
err=$(simcred profile add c --service dlubal 2>&1 >/dev/null | tr -d '\r') || code=$?
check "a malformed profiles.toml fails the command (exit $code)" [ "$code" -ne 0 ]
check "the error names profiles.toml and line 4" bash -c 'grep -q "profiles.toml" <<<"$1" && grep -qE "line 4|:4" <<<"$1"' _ "$err"
check "the malformed file is not overwritten" cmp -s "$work/profiles.toml" "$work/profiles.before"
rm -f "$work/profiles.toml" "$work/profiles.before"

# A huge key on stdin is refused, and nothing is stored.
CLEANUPS+=("simcred profile remove --yes big")
simcred profile add big --service dlubal >/dev/null
code=0
err=$(head -c 3000000 /dev/zero | tr '\0' a | simcred key add big huge 2>&1 >/dev/null | tr -d '\r') || code=$?
check "a 3 MB key on stdin is refused with a sentence (exit $code)" bash -c '[ "$1" -ne 0 ] && [ -n "$2" ]' _ "$code" "$err"
check "nothing was stored for it" bash -c '! wine "$1" key get big huge >/dev/null 2>&1' _ "$EXE"

# A missing config directory is created; a profile added there comes back.
check "profile list shows the profile added" bash -c 'wine "$1" profile list | tr -d "\r" | grep -q big' _ "$EXE"

# PowerShell completions, as a Windows user installs them.
comp=$(simcred_out completions powershell) || comp=""
check "completions powershell prints a PowerShell argument completer" \
  bash -c 'grep -q "Register-ArgumentCompleter" <<<"$1" && grep -q "simcred" <<<"$1"' _ "$comp"

finish
