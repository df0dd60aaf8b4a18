"""Interop: SimCred's own Python package (`python/`, installed in this venv as a wheel by
scripts/interop-venv.sh) against the real keyring and the loopback sandbox, with the vendors'
clients from PyPI built through it: `simcred.key()/token()/profiles()/status()`, each exception
class reached through a real error path, `simcred.modelon.client()` authenticating with
`interactive=True` and writing no key file, `simcred.simai.client()` listing workspaces with the
offline token in memory, `simcred.dlubal.application()` handing the key to the client without a
`config.ini`; and no file under HOME holds a secret afterwards.

Conventions are those of test_vendor_clients.py (temp HOME per test, unique profile names,
secrets on stdin, code in a subprocess of this venv).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import time

import pytest

from test_run_aftercare import allow_modelon_key
from test_simai_sdk import (  # noqa: F401  (fixtures, used by name)
    add_simai_profile,
    sb,
    sign_in_offline,
    simai_url,
)
from test_vendor_clients import files_holding, new_key, simcred_bin  # noqa: F401


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def modelon_profile_with_valid_key(sb, simai_url) -> tuple[str, str]:  # noqa: F811
    """A Modelon profile on the sandbox whose key the server accepts; returns (profile, key)."""
    sb.env["NO_PROXY"] = sb.env["no_proxy"] = "127.0.0.1,localhost"
    key = new_key("mk")
    allow_modelon_key(simai_url, key)
    prof = sb.profile_name("impact")
    sb.simcred("profile", "add", prof, "--service", "modelon", "--url", f"{simai_url}/modelon/")
    sb.add_key(prof, None, key)
    return prof, key


def signed_in_simai_profile(sb, simai_url) -> tuple[str, str]:  # noqa: F811
    """A SimAI profile on the sandbox with an offline token; returns (profile, offline token)."""
    sb.env["NO_PROXY"] = sb.env["no_proxy"] = "127.0.0.1,localhost"
    prof = sb.profile_name("simai")
    add_simai_profile(
        sb, prof, f"{simai_url}/v2/", "workspace=demo-ws", "skip_version_check=true", "no_sse_connection=true"
    )
    sign_in_offline(sb, prof)
    return prof, sb.client("import simcred\nOUT = simcred.offline_token(ARGS['p'])", p=prof)


def test_key_profiles_status_and_the_project_file(sb, simai_url):  # noqa: F811
    key = new_key("mk")
    prof = sb.profile_name("impact")
    sb.simcred("profile", "add", prof, "--service", "modelon", "--url", f"{simai_url}/modelon/")
    sb.add_key(prof, None, key)
    proj = sb.home / "proj"
    (proj / "sub").mkdir(parents=True)
    (proj / ".simcred.toml").write_text(f'[profiles]\nmodelon = "{prof}"\n')
    got = sb.client(
        """
import os, simcred
os.chdir(ARGS["sub"])
OUT = {"named": simcred.key(ARGS["p"]), "project": simcred.key(),
       "profiles": [p["name"] for p in simcred.profiles()],
       "status_project": simcred.status()["project"]["path"],
       "url": simcred.profile()["settings"]["url"]}
""",
        p=prof,
        sub=str(proj / "sub"),
    )
    assert got["named"] == key and got["project"] == key
    assert prof in got["profiles"]
    assert got["status_project"] == str(proj / ".simcred.toml")
    assert got["url"] == f"{simai_url}/modelon/"
    assert files_holding(sb.home, key) == []


def test_every_exception_class_is_reached_with_the_cores_code(sb, simai_url):  # noqa: F811
    simai = sb.profile_name("simai")
    add_simai_profile(sb, simai, f"{simai_url}/v2/")
    dl = sb.profile_name("rfem")
    sb.simcred("profile", "add", dl, "--service", "dlubal")
    bad = sb.home / "bad"
    bad.mkdir()
    (bad / ".simcred.toml").write_text('[profiles]\nansys = "x"\n')
    got = sb.client(
        """
import os, simcred
def code_of(f):
    try:
        f()
    except simcred.SimcredError as e:
        return [type(e).__name__, e.code, e.message]
    return None
OUT = {}
OUT["unknown"] = code_of(lambda: simcred.key("no-such-profile-anywhere"))
OUT["no_keys"] = code_of(lambda: simcred.key(ARGS["dl"]))
OUT["signed_out"] = code_of(lambda: simcred.token(ARGS["simai"]))
OUT["not_supported"] = code_of(lambda: simcred.token(ARGS["dl"]))
OUT["invalid"] = code_of(lambda: simcred.key(service="no-such-service"))
os.chdir(ARGS["home"])
OUT["no_profile"] = code_of(lambda: simcred.key())
os.chdir(ARGS["bad"])
OUT["project_file"] = code_of(lambda: simcred.key())
os.environ["SIMCRED_BIN"] = "/nonexistent/simcred"
OUT["binary"] = code_of(lambda: simcred.key("x"))
""",
        dl=dl,
        simai=simai,
        home=str(sb.home),
        bad=str(bad),
    )
    assert got["unknown"][:2] == ["UnknownProfile", "unknown_profile"], got
    assert got["no_keys"][:2] == ["NoSuchKey", "no_keys"], got
    assert got["signed_out"][:2] == ["NotSignedIn", "not_signed_in"], got
    assert got["not_supported"][0] == "NotSupported", got
    assert got["invalid"][:2] == ["InvalidRequest", "invalid"], got
    assert got["no_profile"][:2] == ["NoProfile", "no_profile"], got
    assert got["project_file"][:2] == ["ProjectFileError", "project_file"], got
    assert ".simcred.toml:2:" in got["project_file"][2], got
    assert got["binary"][:2] == ["BinaryNotFound", "binary_not_found"], got
    assert "SIMCRED_BIN" in got["binary"][2]


def test_modelon_client_authenticates_and_writes_no_key_file(sb, simai_url):  # noqa: F811
    prof, key = modelon_profile_with_valid_key(sb, simai_url)
    got = sb.client(
        """
import simcred.modelon
client = simcred.modelon.client(ARGS["p"], interactive=True)
OUT = client._sal.users.get_me()["data"]["username"]
""",
        p=prof,
    )
    assert got == "demo-user"
    assert not sb.impact_key_file.exists(), "the client saved the key in ~/.impact/api.key"
    assert files_holding(sb.home, key) == []


def test_simai_client_works_with_the_offline_token_in_memory(sb, simai_url):  # noqa: F811
    prof, offline = signed_in_simai_profile(sb, simai_url)
    got = sb.client(
        """
import simcred.simai
client = simcred.simai.client(ARGS["p"])
OUT = {"workspaces": [w.name for w in client.workspaces.list()], "current": client.current_workspace.name}
""",
        p=prof,
    )
    assert got == {"workspaces": ["demo-ws"], "current": "demo-ws"}
    assert files_holding(sb.home, offline) == []
    assert not (sb.home / ".cache" / "ansys").exists(), "the SDK's token cache went under HOME"


def test_dlubal_application_gets_the_key_without_a_config_file(sb):
    key = new_key("ak")
    prof = sb.profile_name("rfem")
    sb.simcred("profile", "add", prof, "--service", "dlubal")
    sb.add_key(prof, "main", key)
    port = free_port()
    got = sb.client(
        """
import dlubal.api.rfem as rfem
import simcred.dlubal
seen = {}
class Probe(rfem.Application):
    def __init__(self, **kw):
        seen.update(kw)
        super().__init__(**kw)
rfem.Application = Probe
try:
    simcred.dlubal.application(ARGS["p"], port=ARGS["port"])
    OUT = {"error": None}
except RuntimeError as e:
    OUT = {"error": str(e)}
OUT["key_given"] = seen.get("api_key_value") == ARGS["key"]
""",
        p=prof,
        port=port,
        key=key,
    )
    # Nothing listens on the port: the client's own connection check says so.
    assert got["key_given"] and got["error"] and str(port) in got["error"], got
    assert not sb.dlubal_ini.exists() or key not in sb.dlubal_ini.read_text()
    assert files_holding(sb.home, key) == []


def test_a_server_that_cannot_be_reached_is_a_network_error(sb, simai_url):  # noqa: F811
    prof, _ = signed_in_simai_profile(sb, simai_url)
    # The sign-in stays; its server is now a closed port on this computer.
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    sb.simcred("profile", "edit", prof, "--set", f"url=http://127.0.0.1:{port}/v2/")
    got = sb.client(
        """
import simcred
try:
    simcred.token(ARGS["p"], refresh=True)
    OUT = None
except simcred.SimcredError as e:
    OUT = [type(e).__name__, e.code, e.message]
""",
        p=prof,
    )
    assert got is not None and got[:2] == ["NetworkError", "network"], got
    assert f"127.0.0.1:{port}" in got[2], got


def test_a_team_store_that_cannot_be_read_is_a_store_error(sb):  # noqa: F811
    # A team store on a closed port: the profile may be in it, so the store is what to fix.
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    sb.simcred("store", "add", "acme", "--kind", "openbao", "--addr", f"http://127.0.0.1:{port}")
    sb.env["VAULT_TOKEN"] = "hvs.not-a-real-token"
    got = sb.client(
        """
import simcred
try:
    simcred.key("team-impact")
    OUT = None
except simcred.SimcredError as e:
    OUT = [type(e).__name__, e.code, e.message]
"""
    )
    assert got is not None and got[:2] == ["StoreError", "store_offline"], got
    assert 'team store "acme"' in got[2] and f"127.0.0.1:{port}" in got[2], got
    assert "hvs.not-a-real-token" not in got[2]


def name_has_owner(env: dict, name: str) -> bool:
    """Whether a D-Bus name has an owner on env's session bus (asking starts nothing)."""
    r = subprocess.run(
        ["gdbus", "call", "--session", "--dest", "org.freedesktop.DBus", "--object-path", "/org/freedesktop/DBus",
         "--method", "org.freedesktop.DBus.NameHasOwner", name],
        env=env, capture_output=True, text=True, timeout=10,
    )  # fmt: skip
    return r.stdout.strip() == "(true,)"


@contextlib.contextmanager
def own_keyring(sb):  # noqa: F811
    """A session bus and an unlocked gnome-keyring of this test's own (in its HOME), for `sb`'s
    commands while the block runs, with no display (an unlock prompt is dismissed at once): a
    collection this test locks is not the suite's."""
    saved = dict(sb.env)
    # All of it below the test's HOME: a daemon given the suite's XDG data dir would open (and
    # fail to unlock) the suite's keyring. No display for the bus either: the unlock prompt's
    # window (gcr-prompter) is started by the bus, with the bus's environment, and on the suite's
    # Xvfb it would wait for a password nobody types.
    for var in (
        "DISPLAY",
        "WAYLAND_DISPLAY",
        "GNOME_KEYRING_CONTROL",
        "XDG_DATA_HOME",
        "XDG_CACHE_HOME",
        "XDG_RUNTIME_DIR",
        "DBUS_SESSION_BUS_ADDRESS",
    ):
        sb.env.pop(var, None)
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=sb.env,
    )
    keyring = None
    try:
        address = bus.stdout.readline().strip()
        assert address, "dbus-daemon printed no address"
        sb.env["DBUS_SESSION_BUS_ADDRESS"] = address
        keyring = subprocess.Popen(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=sb.env,
        )
        keyring.stdin.write(b"own-pass")
        keyring.stdin.close()
        # Asked before the daemon owns its name, the bus would start a second, locked keyring
        # (its prompt unanswered): wait for the name without asking for it.
        deadline = time.monotonic() + 20
        while not name_has_owner(sb.env, "org.freedesktop.secrets"):
            assert time.monotonic() < deadline, "the test's own keyring took the bus name not within 20 s"
            time.sleep(0.05)
        st = json.loads(sb.simcred("status", "--json").stdout)
        assert st["backend_state"] == "reachable", st
        yield address
    finally:
        sb.env.clear()
        sb.env.update(saved)
        for p in (keyring, bus):
            if p is not None:
                p.kill()
                p.wait(timeout=10)
        bus.stdout.close()


@pytest.mark.skipif(not shutil.which("gdbus"), reason="gdbus (libglib2.0-bin) locks the collection")
def test_a_locked_keyring_is_keyring_locked_from_python(sb):  # noqa: F811
    key = new_key("lk")
    with own_keyring(sb):
        prof = f"interop-locked-{sb.tag}"
        sb.simcred("profile", "add", prof, "--service", "modelon", "--url", "https://impact.example.com/")
        sb.add_key(prof, None, key)
        subprocess.run(
            [
                "gdbus", "call", "--session", "--dest", "org.freedesktop.secrets",
                "--object-path", "/org/freedesktop/secrets",
                "--method", "org.freedesktop.Secret.Service.Lock",
                "[objectpath '/org/freedesktop/secrets/aliases/default']",
            ],
            env=sb.env, check=True, capture_output=True, timeout=20,
        )  # fmt: skip
        got = sb.client(
            """
import simcred
try:
    simcred.key(ARGS["p"])
    OUT = None
except simcred.SimcredError as e:
    OUT = [type(e).__name__, e.code, e.message]
""",
            p=prof,
        )
        cli = sb.simcred("key", "get", prof, ok=False)
    assert got is not None and got[:2] == ["KeyringLocked", "keyring_locked"], got
    assert "locked" in got[2] and "unlock it" in got[2], got
    assert cli.returncode != 0 and "the keyring is locked" in cli.stderr, cli
    assert key not in got[2] and key not in cli.stdout + cli.stderr
