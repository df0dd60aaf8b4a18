#!/usr/bin/env bash
# Checks that the test session's Secret Service is still the one scripts/test.sh started, and that
# its `login` collection is still unlocked. scripts/test.sh runs it after every stage (and after
# every cargo test binary), so a stage that kills, replaces or locks the shared keyring is named
# where it happened instead of failing a later, unrelated test.
#
#   keyring-guard.sh record          remember the daemon that owns org.freedesktop.secrets now
#   keyring-guard.sh check STAGE     exit 1 with a sentence naming STAGE if it changed or locked
#   keyring-guard.sh state           print "PID LOCKED" of the owner now (LOCKED: true, false, or
#                                    empty while its login collection does not answer); exit 1
#                                    if nothing owns the name (scripts/start.sh waits on this)
#
# It never activates a service: it asks the bus who owns the name, and talks to that owner by its
# unique name (a call to org.freedesktop.secrets itself would start a fresh, locked daemon).
# A daemon that CRASHED (scripts/keyring-service.sh logs its exit status: 133 SIGTRAP, 134
# SIGABRT, 139 SIGSEGV; gnome-keyring 42 does so now and then) is no test's fault: `check` says
# so, waits for the one the bus starts again (unlocked, same keyring file) and records that one.
# A daemon that ended any other way, a different owner, or a locked collection fails the stage.
# State file: $SIMCRED_KEYRING_GUARD (default $HOME/.simcred-keyring-guard); the service's log:
# $HOME/.simcred-keyring-log.
set -uo pipefail
STATE="${SIMCRED_KEYRING_GUARD:-$HOME/.simcred-keyring-guard}"
NAME=org.freedesktop.secrets
LOG="$HOME/.simcred-keyring-log"

bus() { dbus-send --session --print-reply=literal --reply-timeout=5000 "$@" 2>/dev/null; }
owner() { bus --dest=org.freedesktop.DBus / org.freedesktop.DBus.GetNameOwner "string:$NAME" | tr -d ' '; }
pid_of() { bus --dest=org.freedesktop.DBus / org.freedesktop.DBus.GetConnectionUnixProcessID "string:$1" | awk '{print $2}'; }
locked() {
  bus --dest="$1" /org/freedesktop/secrets/collection/login org.freedesktop.DBus.Properties.Get \
    string:org.freedesktop.Secret.Collection string:Locked | awk '{print $3}'
}

case "${1:-}" in
state)
  o=$(owner)
  [ -n "$o" ] || exit 1
  printf '%s %s\n' "$(pid_of "$o")" "$(locked "$o")"
  ;;
record)
  o=$(owner)
  [ -n "$o" ] || { echo "keyring-guard: nothing owns $NAME on this session bus" >&2; exit 1; }
  [ "$(locked "$o")" = "false" ] || { echo "keyring-guard: the login collection is not unlocked at the start" >&2; exit 1; }
  printf '%s %s\n' "$o" "$(pid_of "$o")" >"$STATE"
  ;;
check)
  stage="${2:?keyring-guard.sh check STAGE}"
  read -r was_name was_pid <"$STATE" || { echo "keyring-guard: run 'record' first" >&2; exit 2; }
  o=$(owner)
  if [ "$o" != "$was_name" ]; then
    status=$(awk -v p="$was_pid" '$1 == "exit" && $2 == p {print $3}' "$LOG" 2>/dev/null)
    case "$status" in
    133 | 134 | 139)
      echo "keyring-guard: NOTE: during '$stage' the suite's gnome-keyring-daemon (pid $was_pid) crashed (exit status $status; its stderr: $HOME/.simcred-keyring-stderr); the bus starts it again, unlocked, with the same keyring" >&2
      bus --dest=org.freedesktop.DBus / org.freedesktop.DBus.StartServiceByName "string:$NAME" uint32:0 >/dev/null
      for _ in $(seq 1 100); do
        bash "$0" record 2>/dev/null && exit 0
        sleep 0.1
      done
      bash "$0" record
      exit 1
      ;;
    esac
  fi
  if [ -z "$o" ]; then
    echo "keyring-guard: after '$stage' no Secret Service owns $NAME any more (gnome-keyring-daemon pid $was_pid ended); a test killed or replaced the suite's keyring" >&2
    exit 1
  fi
  if [ "$o" != "$was_name" ]; then
    echo "keyring-guard: after '$stage' $NAME is owned by pid $(pid_of "$o"), not by the suite's gnome-keyring-daemon (pid $was_pid): a test replaced the suite's keyring" >&2
    exit 1
  fi
  state=$(locked "$o")
  if [ "$state" != "false" ]; then
    echo "keyring-guard: after '$stage' the suite's login collection is ${state:-unreadable} (Locked), not unlocked: a test locked the shared keyring" >&2
    exit 1
  fi
  ;;
*)
  echo "usage: keyring-guard.sh record | check STAGE | state" >&2
  exit 2
  ;;
esac
