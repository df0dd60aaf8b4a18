#!/usr/bin/env bash
# End-to-end under Wine: export, import and audit on the vendors' Windows paths — Dlubal's
# %LOCALAPPDATA%\Dlubal\api\config.ini (which Python's configparser reads as the client does),
# Modelon's %USERPROFILE%\.impact\api.key — and `import --remove-plaintext` leaves no copy.
# Run by scripts/test-windows.sh: tests/windows/test_files.sh EXE
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

ini="$local_app/Dlubal/api/config.ini"
apikey="$user_dir/.impact/api.key"
check "the test starts with no vendor files in the prefix" [ ! -e "$ini" ] && [ ! -e "$apikey" ]
CLEANUPS+=("rm -f '$ini' '$apikey'" "simcred profile remove --yes rfem" "simcred profile remove --yes dlubal" "simcred profile remove --yes modelon")

k1=$(random_key ak)
k2=$(random_key ak)
SECRETS+=("$k1" "$k2")
simcred profile add rfem --service dlubal >/dev/null
printf '%s' "$k1" | simcred key add rfem first >/dev/null
printf '%s' "$k2" | simcred key add rfem second >/dev/null
simcred export rfem >/dev/null
check "export writes %LOCALAPPDATA%\\Dlubal\\api\\config.ini" [ -f "$ini" ]
parsed=$(python3 - "$ini" <<'PY'
import configparser, sys
c = configparser.ConfigParser()
c.read(sys.argv[1], encoding="ascii")
print(c["api_keys"]["first"], c["api_keys"]["second"], c["api_keys"]["default"])
PY
) || parsed=""
check "Python's configparser reads both keys and the default from it" [ "$parsed" = "$k1 $k2 $k1" ]

found=$(simcred_out audit --json) && audit_code=0 || audit_code=$?
check "audit finds the exported config.ini on the Windows path and exits 1" \
  bash -c '[ "$2" -eq 1 ] && python3 -c "
import json, sys
f = json.loads(sys.argv[1])
sys.exit(not any(x[\"service\"] == \"dlubal\" and x[\"path\"].lower().endswith(\"appdata\\\\local\\\\dlubal\\\\api\\\\config.ini\") for x in f))" "$1"' _ "$found" "$audit_code"
check "audit never prints a key" bash -c '! grep -qF -- "$2" <<<"$1" && ! grep -qF -- "$3" <<<"$1"' _ "$found" "$k1" "$k2"

# A plaintext Modelon key where the client writes it, and the Dlubal file: import both.
simcred profile remove --yes rfem >/dev/null
mk=$(random_key mk)
SECRETS+=("$mk")
mkdir -p "$(dirname "$apikey")"
printf '%s' "$mk" >"$apikey"
# (api.key does not say which server its key is for: import is told, and does not guess.)
simcred_out import --remove-plaintext --set url=https://impact.example.com/ --json >"$work/import.json"
check "import --remove-plaintext deletes %USERPROFILE%\\.impact\\api.key" [ ! -e "$apikey" ]
check "import --remove-plaintext deletes the Dlubal keys from config.ini" \
  bash -c '[ ! -e "$1" ] || ! grep -qF -- "$2" "$1"' _ "$ini" "$k1"
check "the imported Modelon key comes back from the Credential Manager" [ "$(simcred_out key get modelon)" = "$mk" ]
check "the imported Dlubal key comes back by its name" [ "$(simcred_out key get dlubal second)" = "$k2" ]
after=$(simcred_out audit --json) || true
check "audit finds nothing left afterwards" [ "$after" = "[]" ]

finish
