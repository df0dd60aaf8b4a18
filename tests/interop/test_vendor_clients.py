"""Interop: the vendors' own Python clients (from PyPI) read what `simcred export` writes, and
`simcred import` takes in what those clients wrote.

Run inside the venv made by scripts/interop-venv.sh, with SIMCRED_BIN set and a D-Bus session
whose Secret Service (gnome-keyring) is unlocked; see tests/interop/README.md.

Every test gets its own HOME under tmp_path. The vendor clients run in a subprocess of this
interpreter with that HOME, so `~`, `XDG_CONFIG_HOME` and the files they read and write are the
test's own. Secrets go to simcred and to the client subprocesses on stdin, never in argv. The
keyring is shared by all tests (and may be a developer's real one), so every profile name is
unique per test and every profile is removed from the keyring when its test ends.
"""

from __future__ import annotations

import configparser
import json
import os
import secrets
import stat
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

TIMEOUT = 60
UTF8_BOM = b"\xef\xbb\xbf"


def new_key(prefix: str = "ak") -> str:
    """A fresh key in the vendors' shape. Dlubal's client only re-points `default` at keys
    starting with ak/AK, so Dlubal keys use that prefix."""
    return f"{prefix}-{secrets.token_hex(20)}"


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def parse_ini(path: Path) -> configparser.ConfigParser:
    """Reads the file the way Dlubal's client does (a default ConfigParser)."""
    cp = configparser.ConfigParser()
    with open(path, encoding="utf-8") as f:
        cp.read_file(f)
    return cp


@pytest.fixture(scope="session")
def simcred_bin() -> str:
    b = os.environ.get("SIMCRED_BIN", "")
    if not b or not os.path.isabs(b) or not os.access(b, os.X_OK):
        pytest.fail(
            f"SIMCRED_BIN must be the absolute path of the simcred binary (got {b!r}); "
            "build it with `cargo build -p simcred-cli`"
        )
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        pytest.fail("no D-Bus session: run under dbus-run-session with an unlocked gnome-keyring")
    return b


class Sandbox:
    """One test's HOME, its environment, and runners for simcred and the vendor clients."""

    def __init__(self, tmp_path: Path, simcred_bin: str):
        self.bin = simcred_bin
        self.home = tmp_path / "home"
        self.home.mkdir()
        self.tag = uuid.uuid4().hex[:8]
        self.profiles: list[str] = []
        env = dict(os.environ)
        for var in (
            "MODELON_IMPACT_CLIENT_API_KEY",
            "MODELON_IMPACT_CLIENT_URL",
            "DLUBAL_API_KEY",
            "DLUBAL_API_KEY_NAME",
            "LOCALAPPDATA",
            "PYTHONSTARTUP",
        ):
            env.pop(var, None)
        env.update(
            HOME=str(self.home),
            XDG_CONFIG_HOME=str(self.home / ".config"),
            SIMCRED_CONFIG_DIR=str(self.home / "simcred"),
            PYTHONIOENCODING="utf-8",
            PYTHONDONTWRITEBYTECODE="1",
        )
        self.env = env

    # -- paths the vendors' clients use --------------------------------------------------------

    @property
    def impact_key_file(self) -> Path:
        return self.home / ".impact" / "api.key"

    @property
    def dlubal_ini(self) -> Path:
        return self.home / ".config" / "Dlubal" / "api" / "config.ini"

    # -- simcred ------------------------------------------------------------------------------

    def profile_name(self, what: str) -> str:
        name = f"interop-{what}-{self.tag}"
        self.profiles.append(name)
        return name

    def simcred(self, *args: str, stdin: str = "", ok: bool = True) -> subprocess.CompletedProcess:
        r = subprocess.run(
            [self.bin, *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            cwd=self.home,
            timeout=TIMEOUT,
        )
        if ok and r.returncode != 0:
            pytest.fail(
                f"simcred {' '.join(args)} exited {r.returncode}\n"
                f"stdout: {r.stdout}\nstderr: {r.stderr}"
            )
        return r

    def simcred_json(self, *args: str, stdin: str = ""):
        return json.loads(self.simcred(*args, "--json", stdin=stdin).stdout)

    def add_key(self, profile: str, name: str | None, secret: str, *extra: str) -> None:
        args = ["key", "add", profile] + ([name] if name else []) + list(extra)
        # Piped like `pbpaste | simcred key add ...`, trailing newline included.
        self.simcred(*args, stdin=secret + "\n")

    def get_key(self, profile: str, name: str | None = None) -> str:
        return self.simcred("key", "get", profile, *([name] if name else [])).stdout

    def cleanup(self) -> None:
        for p in self.profiles:
            # The profile may never have been created; the keyring entries go with it.
            self.simcred("profile", "remove", p, "--yes", ok=False)

    # -- the vendors' clients -----------------------------------------------------------------

    def client(self, code: str, **args):
        """Runs `code` in a fresh interpreter of this venv with the test's HOME. `code` sees the
        keyword arguments as ARGS (sent on stdin) and sets OUT, returned here decoded from JSON."""
        return self.run_code([], "vendor client code", code, args)

    def run_code(self, launcher: list[str], what: str, code: str, args: dict):
        """`client`'s work: the interpreter is started through `launcher` (none, or e.g.
        `simcred run P --`); a failure names `what`."""
        out_file = self.home.parent / f"client-out-{uuid.uuid4().hex}.json"
        script = (
            "import json, sys\n"
            "ARGS = json.load(sys.stdin)\n"
            "OUT = None\n"
            + textwrap.dedent(code)
            + "\nwith open(ARGS['_out'], 'w', encoding='utf-8') as _f:\n"
            "    json.dump(OUT, _f)\n"
        )
        r = subprocess.run(
            [*launcher, sys.executable, "-c", script],
            input=json.dumps({**args, "_out": str(out_file)}),
            capture_output=True,
            text=True,
            env=self.env,
            cwd=self.home,
            timeout=TIMEOUT,
        )
        if r.returncode != 0:
            pytest.fail(f"{what} failed ({r.returncode}):\n{code}\nstderr:\n{r.stderr}")
        try:
            return json.loads(out_file.read_text(encoding="utf-8"))
        finally:
            out_file.unlink()


@pytest.fixture
def sb(tmp_path: Path, simcred_bin: str):
    s = Sandbox(tmp_path, simcred_bin)
    yield s
    s.cleanup()


MODELON_READ = """
from modelon.impact.client.credential_manager import CredentialManager
cm = CredentialManager()
OUT = {"file": cm.get_key_from_file(), "key": cm.get_key(), "env": cm.get_key_from_env()}
"""

DLUBAL_SAVE = """
from dlubal.api.common.connection import _ApiKey
for name, value in ARGS["pairs"]:
    _ApiKey(key=name, value=value)
"""


# ---- Modelon Impact ----------------------------------------------------------------------------


def test_modelon_client_reads_simcred_export(sb: Sandbox):
    key = new_key("mk")
    prof = sb.profile_name("impact")
    sb.simcred("profile", "add", prof, "--service", "modelon", "--url", "https://impact.example.test/")
    sb.add_key(prof, None, key)

    out = sb.simcred_json("export", prof)
    assert out == {"path": str(sb.impact_key_file), "keys": ["api-key"]}

    got = sb.client(MODELON_READ)
    assert got["file"] == key
    assert got["key"] == key
    assert got["env"] is None  # the client found it in the file, not in the environment
    assert mode_of(sb.impact_key_file) == 0o600
    assert sb.impact_key_file.read_bytes().strip() == key.encode()
    assert sorted(p.name for p in sb.impact_key_file.parent.iterdir()) == ["api.key"]

    # Exporting the same key again is a no-op that succeeds.
    sb.simcred("export", prof)
    assert sb.client(MODELON_READ)["key"] == key


def test_modelon_export_does_not_overwrite_a_different_key_the_client_wrote(sb: Sandbox):
    theirs, ours = new_key("mk"), new_key("mk")
    prof = sb.profile_name("impact")
    sb.client(
        """
from modelon.impact.client.credential_manager import CredentialManager
CredentialManager().write_key_to_file(ARGS["key"])
""",
        key=theirs,
    )
    before = sb.impact_key_file.read_bytes()
    sb.simcred("profile", "add", prof, "--service", "modelon")
    sb.add_key(prof, None, ours)

    r = sb.simcred("export", prof, ok=False)
    assert r.returncode == 1
    assert str(sb.impact_key_file) in r.stderr and "--force" in r.stderr
    assert sb.impact_key_file.read_bytes() == before
    assert sb.client(MODELON_READ)["key"] == theirs

    sb.simcred("export", prof, "--force")
    assert sb.client(MODELON_READ)["key"] == ours
    assert mode_of(sb.impact_key_file) == 0o600


def test_simcred_imports_what_modelon_client_wrote(sb: Sandbox):
    key = new_key("mk")
    prof = sb.profile_name("impact")
    sb.client(
        """
from modelon.impact.client.credential_manager import CredentialManager
CredentialManager().write_key_to_file(ARGS["key"])
""",
        key=key,
    )
    assert sb.impact_key_file.read_text() == key
    before = sb.impact_key_file.read_bytes()

    # The file does not say which server its key is for: import is told (it does not guess).
    server = "https://impact.example.com/"
    rows = sb.simcred_json(
        "import", "--service", "modelon", "--profile", prof, "--set", f"url={server}", "--keep-plaintext"
    )
    assert rows == [
        {
            "profile": prof,
            "key": "api-key",
            "source": str(sb.impact_key_file),
            "action": "imported",
            "note": None,
            "stored_in": "this computer's keyring",
            "team_store": None,
            "new_profile": True,
            "server": server,
        }
    ]
    assert sb.get_key(prof) == key
    assert sb.impact_key_file.read_bytes() == before  # --keep-plaintext
    shown = sb.simcred_json("profile", "show", prof)
    assert shown["service"] == "modelon" and shown["settings"]["url"] == server, shown

    # A second run with --remove-plaintext: already stored, so the file goes.
    r = sb.simcred("import", "--service", "modelon", "--profile", prof, "--remove-plaintext", "--json")
    rows = json.loads(r.stdout)
    assert [(x["key"], x["action"]) for x in rows] == [("api-key", "already stored")]
    assert not sb.impact_key_file.exists()
    assert f"deleted {sb.impact_key_file}" in r.stderr
    assert sb.get_key(prof) == key
    got = sb.client(MODELON_READ)
    assert got["file"] is None and got["key"] is None

    # Nothing left to import.
    assert sb.simcred_json("import", "--service", "modelon", "--profile", prof) == []


def test_fresh_modelon_import_with_remove_plaintext(sb: Sandbox):
    key = new_key("mk")
    prof = sb.profile_name("impact")
    sb.client(
        """
from modelon.impact.client.credential_manager import CredentialManager
CredentialManager().write_key_to_file(ARGS["key"])
""",
        key=key,
    )
    # The client's file does not say its server: without one named, nothing is stored and the
    # plaintext is not removed (it is still the only copy).
    rows = sb.simcred_json("import", "--service", "modelon", "--profile", prof, "--remove-plaintext")
    assert [(x["profile"], x["action"]) for x in rows] == [(prof, "skipped")]
    assert "does not say which Modelon Impact server" in rows[0]["note"], rows
    assert sb.impact_key_file.read_text() == key
    rows = sb.simcred_json(
        "import", "--service", "modelon", "--profile", prof, "--set", "url=https://impact.example.com/",
        "--remove-plaintext",
    )
    assert [(x["profile"], x["action"]) for x in rows] == [(prof, "imported")]
    assert not sb.impact_key_file.exists()
    assert sb.get_key(prof) == key


# ---- Dlubal API --------------------------------------------------------------------------------


def test_dlubal_client_reads_simcred_export(sb: Sandbox):
    v1, v2 = new_key(), new_key()
    prof = sb.profile_name("rfem")
    sb.simcred("profile", "add", prof, "--service", "dlubal")
    sb.add_key(prof, "project_2", v2)
    sb.add_key(prof, "Project_1", v1)  # stored lower-cased, as Dlubal's reader would
    sb.simcred("key", "default", prof, "PROJECT_1")

    out = sb.simcred_json("export", prof)
    assert out["path"] == str(sb.dlubal_ini)
    assert sorted(out["keys"]) == ["project_1", "project_2"]
    assert mode_of(sb.dlubal_ini) == 0o600
    exported = sb.dlubal_ini.read_bytes()

    got = sb.client(
        """
from pathlib import Path
from dlubal.api.common.connection import _ApiKey, _get_config_path
OUT = {"path": str(_get_config_path())}
a = _ApiKey()
OUT["default"] = [a.key, a.value]
b = _ApiKey(key="project_2")
OUT["project_2"] = [b.key, b.value]
OUT["after"] = Path(OUT["path"]).read_text(encoding="utf-8")
"""
    )
    assert got["path"] == str(sb.dlubal_ini)
    assert got["default"] == ["project_1", v1]
    assert got["project_2"] == ["project_2", v2]

    # Reading project_2 made the client re-point `default` at it and rewrite the whole file.
    rewritten = configparser.ConfigParser()
    rewritten.read_string(got["after"])
    assert dict(rewritten["api_keys"]) == {"project_2": v2, "project_1": v1, "default": v2}
    assert sb.dlubal_ini.read_bytes() != exported

    # A second export merges into the client's rewrite: both keys kept, default back to simcred's.
    out = sb.simcred_json("export", prof)
    assert sorted(out["keys"]) == ["project_1", "project_2"]
    after = parse_ini(sb.dlubal_ini)
    assert dict(after["api_keys"]) == {"project_2": v2, "project_1": v1, "default": v1}
    assert mode_of(sb.dlubal_ini) == 0o600
    got = sb.client(
        """
from dlubal.api.common.connection import _ApiKey
a = _ApiKey()
OUT = [a.key, a.value, _ApiKey(key="project_2").value]
"""
    )
    assert got == ["project_1", v1, v2]


def test_dlubal_export_merges_into_the_clients_file(sb: Sandbox):
    theirs, v1 = new_key(), new_key()
    prof = sb.profile_name("rfem")
    sb.dlubal_ini.parent.mkdir(parents=True)
    sb.dlubal_ini.write_text("[connection]\nhost = localhost\nport = 9000\n\n", encoding="utf-8")
    # The client saves a foreign key (and points `default` at it).
    sb.client(DLUBAL_SAVE, pairs=[["other", theirs]])
    before = parse_ini(sb.dlubal_ini)
    assert dict(before["api_keys"]) == {"other": theirs, "default": theirs}
    before_lines = [l for l in sb.dlubal_ini.read_text().splitlines() if l.strip()]

    sb.simcred("profile", "add", prof, "--service", "dlubal")
    sb.add_key(prof, "project_1", v1)
    sb.simcred("export", prof)

    got = sb.client(
        """
from dlubal.api.common.connection import _ApiKey
a = _ApiKey()
OUT = {"default": [a.key, a.value],
       "project_1": _ApiKey(key="project_1").value,
       "other": _ApiKey(key="other").value}
"""
    )
    assert got == {"default": ["project_1", v1], "project_1": v1, "other": theirs}

    data = sb.dlubal_ini.read_bytes()
    assert not data.startswith(UTF8_BOM)
    data.decode("ascii")  # raises if not ASCII
    assert b"\r" not in data
    assert mode_of(sb.dlubal_ini) == 0o600
    cp = parse_ini(sb.dlubal_ini)
    assert dict(cp["connection"]) == {"host": "localhost", "port": "9000"}
    # Every line that was there before is still there, in the same order, except the
    # `default` line whose value simcred re-pointed at its default key.
    after_lines = [l for l in data.decode().splitlines() if l.strip()]
    kept = [l for l in before_lines if not l.startswith("default")]
    assert [l for l in after_lines if l in kept] == kept
    assert sorted(p.name for p in sb.dlubal_ini.parent.iterdir()) == ["config.ini"]


def test_dlubal_export_refuses_a_different_value_under_the_same_name(sb: Sandbox):
    theirs, ours = new_key(), new_key()
    prof = sb.profile_name("rfem")
    sb.client(DLUBAL_SAVE, pairs=[["project_1", theirs]])
    before = sb.dlubal_ini.read_bytes()
    sb.simcred("profile", "add", prof, "--service", "dlubal")
    sb.add_key(prof, "project_1", ours)

    r = sb.simcred("export", prof, ok=False)
    assert r.returncode == 1
    assert str(sb.dlubal_ini) in r.stderr and "project_1" in r.stderr
    assert sb.dlubal_ini.read_bytes() == before


def test_simcred_imports_what_dlubal_client_wrote(sb: Sandbox):
    va, vb = new_key(), new_key()
    prof = sb.profile_name("rfem")
    sb.dlubal_ini.parent.mkdir(parents=True)
    sb.dlubal_ini.write_text("[connection]\nhost = localhost\n\n", encoding="utf-8")
    # Saved in this order, so the client's `default` ends up on project_b, the second one.
    sb.client(DLUBAL_SAVE, pairs=[["Project_A", va], ["project_b", vb]])
    cp = parse_ini(sb.dlubal_ini)
    assert dict(cp["api_keys"]) == {"project_a": va, "project_b": vb, "default": vb}
    before = sb.dlubal_ini.read_bytes()

    rows = sb.simcred_json("import", "--service", "dlubal", "--profile", prof, "--keep-plaintext")
    src = str(sb.dlubal_ini)
    assert rows == [
        {"profile": prof, "key": "project_a", "source": src, "action": "imported", "note": None,
         "stored_in": "this computer's keyring", "team_store": None, "new_profile": True, "server": None},
        {"profile": prof, "key": "project_b", "source": src, "action": "imported", "note": None,
         "stored_in": "this computer's keyring", "team_store": None, "new_profile": True, "server": None},
    ]
    assert sb.dlubal_ini.read_bytes() == before  # --keep-plaintext
    assert sb.get_key(prof) == vb  # the one equal to `default` is the default
    assert sb.get_key(prof, "project_a") == va
    assert sb.get_key(prof, "project_b") == vb
    keys = {k["name"]: k["default"] for k in sb.simcred_json("key", "list", prof)}
    assert keys == {"project_a": False, "project_b": True}

    # --remove-plaintext takes the imported entries and `default` out, keeps the rest.
    r = sb.simcred("import", "--service", "dlubal", "--profile", prof, "--remove-plaintext", "--json")
    assert {(x["key"], x["action"]) for x in json.loads(r.stdout)} == {
        ("project_a", "already stored"),
        ("project_b", "already stored"),
    }
    cp = parse_ini(sb.dlubal_ini)
    assert dict(cp["connection"]) == {"host": "localhost"}
    remaining = dict(cp["api_keys"]) if cp.has_section("api_keys") else {}
    assert remaining == {}
    got = sb.client(
        """
from dlubal.api.common.connection import _ApiKey
a = _ApiKey()
OUT = [a.key, a.value, _ApiKey(key="project_a").value]
"""
    )
    assert got == [None, None, None]
    assert sb.get_key(prof) == vb
    assert mode_of(sb.dlubal_ini) == 0o600


def test_dlubal_remove_plaintext_keeps_foreign_keys(sb: Sandbox):
    mine, theirs = new_key(), new_key()
    prof = sb.profile_name("rfem")
    # `theirs` is saved last, so `default` copies it. The profile already has a different key
    # named "team", so that entry is skipped and must stay in the file, `default` with it.
    sb.client(DLUBAL_SAVE, pairs=[["mine", mine], ["team", theirs]])

    sb.simcred("profile", "add", prof, "--service", "dlubal")
    sb.add_key(prof, "team", new_key())  # a different key under the same name
    r = sb.simcred("import", "--service", "dlubal", "--profile", prof, "--remove-plaintext", "--json")
    rows = {x["key"]: x for x in json.loads(r.stdout)}
    assert rows["mine"]["action"] == "imported"
    assert rows["team"]["action"] == "skipped" and "another profile" in rows["team"]["note"]

    cp = parse_ini(sb.dlubal_ini)
    assert dict(cp["api_keys"]) == {"team": theirs, "default": theirs}
    got = sb.client(
        """
from dlubal.api.common.connection import _ApiKey
a = _ApiKey()
OUT = [a.key, a.value]
"""
    )
    assert got == ["team", theirs]
    assert sb.get_key(prof, "mine") == mine


@pytest.mark.parametrize("verb", ["export", "import"])
def test_malformed_dlubal_config_is_reported_and_left_alone(sb: Sandbox, verb: str):
    prof = sb.profile_name("rfem")
    sb.dlubal_ini.parent.mkdir(parents=True)
    text = f"[api_keys]\nproject_1 = {new_key()}\ngarbage without delimiter\n"
    sb.dlubal_ini.write_text(text, encoding="utf-8")
    os.chmod(sb.dlubal_ini, 0o640)
    before = sb.dlubal_ini.read_bytes()

    sb.simcred("profile", "add", prof, "--service", "dlubal")
    sb.add_key(prof, "project_2", new_key())
    if verb == "export":
        r = sb.simcred("export", prof, ok=False)
    else:
        r = sb.simcred("import", "--service", "dlubal", "--profile", prof, "--remove-plaintext", ok=False)
    assert r.returncode == 1, r
    assert f"{sb.dlubal_ini}:3:" in r.stderr, r.stderr
    assert sb.dlubal_ini.read_bytes() == before
    assert mode_of(sb.dlubal_ini) == 0o640
    assert sorted(p.name for p in sb.dlubal_ini.parent.iterdir()) == ["config.ini"]
    assert [k["name"] for k in sb.simcred_json("key", "list", prof)] == ["project_2"]

    # The vendor's client refuses the same file: simcred judges it the way the client does.
    got = sb.client(
        """
import configparser
from dlubal.api.common.connection import _ApiKey
try:
    _ApiKey()
    OUT = "read"
except configparser.ParsingError as e:
    OUT = "ParsingError"
"""
    )
    assert got == "ParsingError"


# ---- `simcred run` with the vendors' own clients --------------------------------------------


def run_client_under_simcred(sb: Sandbox, prof: str, code: str, *run_args: str):
    """Runs `code` in this venv's interpreter as `simcred run PROF [run_args] -- python -c`,
    returning its JSON OUT (written to a file the test chooses)."""
    out_file = sb.home.parent / f"run-out-{uuid.uuid4().hex}.json"
    script = "import json, sys\nOUT = None\n" + textwrap.dedent(code) + (
        f"\nwith open({str(out_file)!r}, 'w', encoding='utf-8') as _f:\n    json.dump(OUT, _f)\n"
    )
    sb.simcred("run", prof, *run_args, "--", sys.executable, "-c", script)
    try:
        return json.loads(out_file.read_text(encoding="utf-8"))
    finally:
        out_file.unlink()


def files_holding(root: Path, needle: str) -> list[Path]:
    found = []
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            p = Path(dirpath) / f
            try:
                if needle.encode() in p.read_bytes():
                    found.append(p)
            except OSError:
                pass
    return found


def test_dlubal_client_authenticates_under_run_despite_a_stale_file(sb: Sandbox):
    stale, mine = new_key(), new_key()
    prof = sb.profile_name("rfem")
    sb.dlubal_ini.parent.mkdir(parents=True)
    sb.dlubal_ini.write_text(f"[api_keys]\nold = {stale}\ndefault = {stale}\n", encoding="utf-8")
    before = sb.dlubal_ini.read_bytes()
    runtime = sb.home / "runtime"
    runtime.mkdir(mode=0o700)
    sb.env["XDG_RUNTIME_DIR"] = str(runtime)
    sb.simcred("profile", "add", prof, "--service", "dlubal")
    sb.add_key(prof, "project_1", mine)
    got = run_client_under_simcred(
        sb,
        prof,
        """
from dlubal.api.common.connection import _ApiKey
a = _ApiKey()
OUT = [a.key, a.value]
""",
    )
    assert got[1] == mine, got
    # The user's own file is untouched (the client rewrites the file it reads: the private one).
    assert sb.dlubal_ini.read_bytes() == before
    # Nothing holding the key is left in the home, config, runtime or temp dirs.
    for root in (sb.home, runtime):
        assert files_holding(root, mine) == [], root


def test_modelon_client_authenticates_under_run_despite_a_stale_file(sb: Sandbox):
    stale, mine = new_key("mk"), new_key("mk")
    prof = sb.profile_name("impact")
    sb.impact_key_file.parent.mkdir(parents=True)
    sb.impact_key_file.write_text(stale, encoding="utf-8")
    sb.simcred("profile", "add", prof, "--service", "modelon", "--url", "https://impact.example.invalid/")
    sb.add_key(prof, None, mine)
    got = run_client_under_simcred(
        sb,
        prof,
        """
from modelon.impact.client.credential_manager import CredentialManager
OUT = CredentialManager().get_key()
""",
    )
    assert got == mine
    assert sb.impact_key_file.read_text(encoding="utf-8") == stale
