"""The README's first command on a machine with no desktop session: `scripts/start.sh` started
without a session bus brings a D-Bus session and a gnome-keyring of its own, and the app opens on
the demo profile with its key stored and checked. tauri-driver starts start.sh as the
"application" (start.sh hands WebKitWebDriver's arguments on to the app), in a fresh HOME, with
the binaries this suite built (SIMCRED_BIN_DIR: nothing is built again).

The keyring's password comes from SIMCRED_KEYRING_PASSWORD, as it must where no terminal can ask."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, SIMCRED_APP, SIMCRED_BIN, launch_app, wait_until

START = ROOT / "scripts" / "start.sh"
PASSWORD = "quick-start-password"
# Nothing of the suite's own session may reach start.sh: it must start its own.
OUTER = ("DBUS_SESSION_BUS_ADDRESS", "GNOME_KEYRING_CONTROL", "SSH_AUTH_SOCK", "SIMCRED_CONFIG_DIR",
         "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_RUNTIME_DIR", "SIMCRED_KEYRING_TIMEOUT")


def processes_of(home: Path) -> dict[int, str]:
    """Processes whose HOME is `home` (PID → command line): what start.sh started and left."""
    found = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit() or int(d.name) == os.getpid():
            continue
        try:
            environ = (d / "environ").read_bytes().split(b"\0")
            if f"HOME={home}".encode() in environ:
                found[int(d.name)] = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            pass
    return found


def the_tests_own(cmd: str) -> bool:
    """tauri-driver and WebKitWebDriver, which this test starts, and the session bus GLib
    autolaunches for them, as they run without one (start.sh's comes from dbus-run-session)."""
    return (
        cmd.startswith(("tauri-driver ", "/usr/bin/WebKitWebDriver "))
        or "dbus-launch --autolaunch" in cmd
        or "dbus-daemon --syslog-only --fork" in cmd
    )


def left_by_start_sh(home: Path) -> dict[int, str]:
    return {p: c for p, c in processes_of(home).items() if not the_tests_own(c)}


def close_app(app, home: Path) -> None:
    """Ends the app as a logout does (SIGTERM): start.sh, which waits for it, then ends what it
    started. (Ending the WebDriver session would only end the process WebKitWebDriver started,
    start.sh's dbus-run-session, and leave the app running.)"""
    apps = [p for p, c in processes_of(home).items() if c.startswith(str(SIMCRED_APP))]
    assert len(apps) == 1, processes_of(home)
    os.kill(apps[0], signal.SIGTERM)
    all_ended(home)


def all_ended(home: Path) -> None:
    try:
        wait_until("start.sh to end what it started", lambda: not left_by_start_sh(home), 30)
    except AssertionError:
        raise AssertionError(f"left running: {left_by_start_sh(home)}") from None


@pytest.fixture
def home(tmp_path):
    h = tmp_path / "home"
    h.mkdir()
    yield h
    for pid in processes_of(h):  # the autolaunched bus, and whatever a failed test left
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)


def start_env(home: Path, password: str) -> dict:
    return {"HOME": str(home), "SIMCRED_KEYRING_PASSWORD": password, "SIMCRED_BIN_DIR": str(SIMCRED_BIN.parent)}


def test_start_sh_without_a_session_bus_opens_on_a_working_demo(home):
    assert SIMCRED_APP.parent == SIMCRED_BIN.parent, "start.sh runs the app next to the CLI"
    with launch_app(None, start_env(home, PASSWORD), application=START, drop_env=OUTER) as app:
        app.wait_badge("demo-modelon", "valid", 60)
        wait_until(
            "the footer to say the keyring answers",
            lambda: app.q("backend").text == "Keyring: Secret Service"
            and "org.freedesktop.secrets" in app.attr("backend", "title"),
            30,
        )
        page = app.page_source()
        assert "No keyring is reachable" not in page and "has no key yet" not in page
        app.select_profile("demo-modelon")
        app.wait("key-row-api-key")
        # The Dlubal demo: a key for the sandbox's RFEM over gRPC, valid when checked.
        app.select_profile("demo-dlubal")
        app.click("key-check-demo")
        app.wait_badge("demo-dlubal", "valid", 30)
        close_app(app, home)
    keyring = home / ".local/share/keyrings/login.keyring"
    assert keyring.is_file(), "start.sh made no login keyring"

    # Another run with a wrong password: a sentence, no app, and the keyring untouched.
    before = keyring.read_bytes()
    env = {k: v for k, v in os.environ.items() if k not in OUTER}
    env.update(start_env(home, "not-the-password"))
    out = subprocess.run(["bash", str(START)], env=env, stdin=subprocess.DEVNULL, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 1, out
    assert "that password does not unlock the keyring" in out.stderr, out.stderr
    assert keyring.read_bytes() == before
    all_ended(home)

    # With the right one the same keyring opens again, with the demo key still in it.
    with launch_app(None, start_env(home, PASSWORD), application=START, drop_env=OUTER) as app:
        app.wait("profile-item-demo-modelon", 60)
        app.select_profile("demo-modelon")
        app.wait("key-row-api-key")
        wait_until(
            "the footer to say the keyring answers",
            lambda: app.q("backend").text == "Keyring: Secret Service"
            and "org.freedesktop.secrets" in app.attr("backend", "title"),
            30,
        )
        close_app(app, home)
