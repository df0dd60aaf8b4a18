#!/usr/bin/env bash
# The test suite's Secret Service, as the suite's D-Bus session starts it: scripts/test.sh puts a
# service file for org.freedesktop.secrets in the suite's own XDG_DATA_HOME that runs this
# script, so the bus starts THIS (an unlocked gnome-keyring on the suite's login keyring, password
# `ci-pass`) instead of Debian's locked default, also when the daemon has to be started again.
#
# Why again: gnome-keyring 42 (Debian 12) crashes now and then when many short-lived clients
# open sessions at once ("gkd_secret_service_get_pkcs11_session: assertion 'client' failed",
# then a fatal g_variant_new error: SIGTRAP, exit status 133). Its keyring file is on disk, so
# a daemon started again holds every secret stored so far. Each start and each end (with the
# exit status) goes to $HOME/.simcred-keyring-log, which scripts/keyring-guard.sh reads to tell
# such a crash from a test that killed or replaced the keyring; the daemon's stderr goes to
# $HOME/.simcred-keyring-stderr.
set -u
# Bash's own job report of a crashed daemon ("Trace/breakpoint trap") goes to the daemon's file,
# not to the bus's stderr (the caller's log).
exec 2>>"$HOME/.simcred-keyring-stderr"
log="$HOME/.simcred-keyring-log"
printf ci-pass | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>>"$HOME/.simcred-keyring-stderr" &
pid=$!
echo "start $pid" >>"$log"
wait "$pid"
status=$?
# The suite may have removed its HOME by now (the daemon is stopped last); then there is nothing
# to log, and this script's own stderr is the caller's log, which must not be written into late.
[ -d "$HOME" ] && echo "exit $pid $status" >>"$log"
exit "$status"
