#!/usr/bin/env bash
# Installs what is missing, builds SimCred, and launches the desktop app. With no profiles yet,
# it starts the built-in demo provider (the loopback sandbox) and creates a demo profile with its
# key, so the whole flow can be tried without an account.
#
# Outside a desktop session (no D-Bus session bus), it starts a session bus and a gnome-keyring of
# its own for this run. The keyring keeps its files in ~/.local/share/keyrings and is locked with
# a password: asked on the terminal (twice, the first time), or taken from SIMCRED_KEYRING_PASSWORD
# when there is no terminal. Run this script again and give the same password to unlock it again.
#
# Environment: SIMCRED_KEYRING_PASSWORD (see above); SIMCRED_BIN_DIR, a directory holding already
# built `simcred`, `simcred-sandbox` and `simcred-app` (nothing is built then). Extra arguments are
# passed to the app.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
say() { echo "simcred: $*" >&2; }

if [ "${1:-}" != "--in-session" ]; then
  bash scripts/install-deps.sh
  if [ -z "${SIMCRED_BIN_DIR:-}" ]; then
    export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
    export PATH="$CARGO_HOME/bin:$PATH"
    cargo build --locked -p simcred-cli -p simcred-sandbox -p simcred-app
  fi
  if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    say "no graphical display (DISPLAY is not set). Run this from a desktop session,"
    say "or use the CLI: ${SIMCRED_BIN_DIR:-$ROOT/target/debug}/simcred --help"
    exit 1
  fi
  if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
    # No desktop session: a session bus of our own, with a keyring in it (below).
    exec dbus-run-session -- bash "$0" --in-session --own-keyring "$@"
  fi
  set -- --in-session "$@"
fi
shift # --in-session
BIN="${SIMCRED_BIN_DIR:-$ROOT/target/debug}"
CLEANUP=()
cleanup() { for pid in "${CLEANUP[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

# Starts gnome-keyring-daemon on this session bus, unlocked with the given password, and waits
# until it answers with an unlocked `login` collection. Returns 1 if the password does not unlock
# the existing keyring (the daemon is ended again).
start_keyring() {
  # The daemon outlives dbus-run-session and keeps the descriptors it inherited: its output goes
  # nowhere, and it is ended (by PID) when this script ends.
  printf '%s' "$1" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
  local deadline=$((SECONDS + 20)) pid="" state=""
  while ((SECONDS < deadline)); do
    read -r pid state < <(bash scripts/keyring-guard.sh state) || true
    [ -n "$state" ] && break
    sleep 0.1
  done
  [ -n "$pid" ] && CLEANUP+=("$pid")
  [ "$state" = "false" ] && return 0
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  return 1
}

if [ "${1:-}" = "--own-keyring" ]; then
  shift
  KEYRINGS="${XDG_DATA_HOME:-$HOME/.local/share}/keyrings"
  if [ -f "$KEYRINGS/login.keyring" ]; then new=0; else new=1; fi
  # An empty password would make gnome-keyring create no keyring at all (and store nothing).
  tries=0
  while :; do
    tries=$((tries + 1))
    pw="${SIMCRED_KEYRING_PASSWORD:-}"
    if [ -z "$pw" ]; then
      if [ ! -t 0 ]; then
        say "no desktop session, so this script starts a keyring of its own, locked with a password;"
        say "there is no terminal to ask for one: set SIMCRED_KEYRING_PASSWORD, or run it from a terminal"
        exit 1
      fi
      if ((new)); then
        read -r -s -p "simcred: no desktop keyring here; choose a password for the one SimCred starts ($KEYRINGS): " pw </dev/tty
        echo >&2
        read -r -s -p "simcred: the same password again: " pw2 </dev/tty
        echo >&2
        if [ "$pw" != "$pw2" ]; then say "the two passwords differ"; pw=""; fi
      else
        read -r -s -p "simcred: password of the keyring in $KEYRINGS: " pw </dev/tty
        echo >&2
      fi
      [ -n "$pw" ] || { ((tries < 3)) && continue; say "no password given; nothing was started"; exit 1; }
    fi
    if start_keyring "$pw"; then break; fi
    if [ -n "${SIMCRED_KEYRING_PASSWORD:-}" ] || ((tries >= 3)); then
      say "that password does not unlock the keyring in $KEYRINGS; nothing was changed"
      exit 1
    fi
    say "that password does not unlock the keyring in $KEYRINGS; try again"
  done
  unset pw pw2
  how="the password you chose"
  [ -n "${SIMCRED_KEYRING_PASSWORD:-}" ] && how="SIMCRED_KEYRING_PASSWORD"
  if ((new)); then
    say "started a keyring for this run (gnome-keyring, a new login keyring in $KEYRINGS, locked with $how); it ends with the app: run this script again and give the same password to unlock it again"
  else
    say "started the keyring in $KEYRINGS for this run and unlocked it; it ends with the app: run this script again to unlock it again"
  fi
fi

# (Read whole, then searched: `grep -q` on the pipe would end the listing early, and pipefail
# would take that for "no profiles".) A listing that fails leaves the app to show why.
if list=$("$BIN/simcred" profile list --json 2>/dev/null) && ! grep -q '"name"' <<<"$list"; then
  say "no profiles yet: starting the demo provider (loopback sandbox)"
  URLFILE=$(mktemp)
  "$BIN/simcred-sandbox" >"$URLFILE" 2>/dev/null &
  CLEANUP+=("$!")
  for _ in $(seq 1 100); do
    grep -q SIMCRED_SANDBOX_URL "$URLFILE" 2>/dev/null && break
    sleep 0.1
  done
  URL=$(sed -n 's/^SIMCRED_SANDBOX_URL=//p' "$URLFILE")
  rm -f "$URLFILE"
  [ -n "$URL" ] || { say "the demo provider did not start"; exit 1; }
  "$BIN/simcred" profile add demo-modelon --service modelon --url "$URL/modelon/" \
    --set description="Demo: Modelon Impact on the built-in sandbox" >/dev/null
  # The key goes from the sandbox to the keyring on a pipe, never through argv or a file.
  curl -fsS -X POST "$URL/_sandbox/modelon/regenerate" |
    sed -n 's/.*"key":"\([^"]*\)".*/\1/p' | "$BIN/simcred" key add demo-modelon >/dev/null
  "$BIN/simcred" key check demo-modelon || true
  # A Dlubal key for the sandbox's RFEM (gRPC): made here, given to the sandbox and the keyring on
  # pipes. It is not checked now: a Dlubal check is made only when asked (Check in the app).
  DPORT=$(curl -fsS "$URL/_sandbox/dlubal" | sed -n 's/.*"port":\([0-9]*\).*/\1/p')
  "$BIN/simcred" profile add demo-dlubal --service dlubal --set port="$DPORT" \
    --set description="Demo: Dlubal RFEM on the built-in sandbox" >/dev/null
  DKEY="ak-demo-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  printf '{"key":"%s"}' "$DKEY" | curl -fsS -X POST -H 'content-type: application/json' \
    --data-binary @- "$URL/_sandbox/dlubal/keys" >/dev/null
  printf '%s' "$DKEY" | "$BIN/simcred" key add demo-dlubal demo >/dev/null
  unset DKEY
fi
"$BIN/simcred" status || true
# The app runs as a child, so that this script ends what it started when the app ends, and
# passes a Ctrl-C, a closed terminal or a SIGTERM on to the app first.
"$BIN/simcred-app" "$@" &
APP=$!
trap 'kill -TERM "$APP" 2>/dev/null' INT TERM HUP
status=0
while :; do
  wait "$APP" && status=0 || status=$?
  kill -0 "$APP" 2>/dev/null || break # a signal ended `wait`, not the app: wait again
done
exit "$status"
