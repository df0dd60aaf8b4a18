"""Interop (issue 18 item 1): under `simcred run`, the vendors' own clients leave no key on disk.

- Modelon (modelon-impact-client 4.14.1): `Client(url=..., interactive=True)`, the call the
  vendor's docs show, logs in against the loopback sandbox and then writes the key it used to
  `~/.impact/api.key` with a plain `open('w')`; after a 401 it prompts (getpass, which reads
  stdin when there is no terminal), logs in with the typed key and saves that one. Afterwards
  the file is absent (if it was) or byte-identical (if it held another key), and no file under
  HOME holds either key.
- Dlubal (dlubal-api 2.16.4, no server needed to write its config): a script that passes both
  `api_key_name` and `api_key_value` saves the pair to `config.ini`; the user's own file is as
  before, also for a script that drops `XDG_CONFIG_HOME` (so the client writes the real file).

The sandbox (`simcred sandbox`, loopback) runs once for the module (the `simai_url` fixture).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import urllib.request
import uuid
from pathlib import Path

import pytest

from test_simai_sdk import simai_url  # noqa: F401  (fixture, used by name)
from test_vendor_clients import (  # noqa: F401  (fixtures, used by name)
    TIMEOUT,
    Sandbox,
    files_holding,
    new_key,
    sb,
    simcred_bin,
)


def allow_modelon_key(url: str, key: str) -> None:
    """Makes `key` valid on the sandbox's Modelon server."""
    req = urllib.request.Request(
        f"{url}/_sandbox/modelon/keys",
        data=json.dumps({"key": key}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=TIMEOUT) as r:
        assert r.status == 204


def run_script(sb: Sandbox, prof: str, code: str, stdin: str = "") -> tuple[dict, str]:
    """`simcred run PROF -- python -c CODE` (stdin piped, no controlling terminal, so getpass
    reads stdin); returns the script's JSON OUT and simcred's stderr."""
    out_file = sb.home.parent / f"run-out-{uuid.uuid4().hex}.json"
    script = "import json, os, sys\nOUT = None\n" + textwrap.dedent(code) + (
        f"\nwith open({str(out_file)!r}, 'w', encoding='utf-8') as _f:\n    json.dump(OUT, _f)\n"
    )
    r = subprocess.run(
        [sb.bin, "run", prof, "--", sys.executable, "-c", script],
        input=stdin,
        capture_output=True,
        text=True,
        env=sb.env,
        cwd=sb.home,
        timeout=TIMEOUT,
        start_new_session=True,
    )
    assert r.returncode == 0, f"run exited {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}"
    try:
        return json.loads(out_file.read_text(encoding="utf-8")), r.stderr
    finally:
        out_file.unlink()


# The vendor's documented call, then what it wrote, read back from inside the run.
MODELON_INTERACTIVE = """
from modelon.impact.client import Client
client = Client(url=os.environ["MODELON_IMPACT_CLIENT_URL"], interactive=True)
me = client._sal.users.get_me()["data"]
p = os.path.expanduser("~/.impact/api.key")
OUT = {"user": me["username"], "file": open(p).read() if os.path.exists(p) else None}
"""


@pytest.fixture
def modelon(sb: Sandbox, simai_url: str):  # noqa: F811
    sb.env["NO_PROXY"] = sb.env["no_proxy"] = "127.0.0.1,localhost"
    runtime = sb.home / "runtime"
    runtime.mkdir(mode=0o700)
    sb.env["XDG_RUNTIME_DIR"] = str(runtime)
    return sb, simai_url, runtime


@pytest.mark.parametrize("before", ["absent", "another key"])
def test_modelon_interactive_client_leaves_no_key_file(modelon, before: str):
    sb, url, runtime = modelon
    key = new_key("mk")
    allow_modelon_key(url, key)
    prof = sb.profile_name("impact")
    sb.simcred("profile", "add", prof, "--service", "modelon", "--url", f"{url}/modelon/")
    sb.add_key(prof, None, key)
    if before == "another key":
        sb.impact_key_file.parent.mkdir()
        sb.impact_key_file.write_bytes(f"{new_key('mk')}\n".encode())
        os.chmod(sb.impact_key_file, 0o644)
    prior = sb.impact_key_file.read_bytes() if sb.impact_key_file.exists() else None

    got, stderr = run_script(sb, prof, MODELON_INTERACTIVE)
    assert got == {"user": "demo-user", "file": key}, "the client did not save the key it used"

    if prior is None:
        assert not sb.impact_key_file.exists()
        assert not sb.impact_key_file.parent.exists()
    else:
        assert sb.impact_key_file.read_bytes() == prior
        assert sb.impact_key_file.stat().st_mode & 0o777 == 0o644
    assert files_holding(sb.home, key) == []
    assert str(sb.impact_key_file) in stderr and key not in stderr, stderr


@pytest.mark.parametrize("before", ["absent", "another key"])
def test_modelon_prompt_after_a_401_leaves_no_key_file(modelon, before: str):
    sb, url, runtime = modelon
    dead, typed = new_key("mk"), new_key("mk")
    allow_modelon_key(url, typed)  # the profile's key is refused; the typed one works
    prof = sb.profile_name("impact")
    sb.simcred("profile", "add", prof, "--service", "modelon", "--url", f"{url}/modelon/")
    sb.add_key(prof, None, dead)
    if before == "another key":
        sb.impact_key_file.parent.mkdir()
        sb.impact_key_file.write_bytes(new_key("mk").encode())
    prior = sb.impact_key_file.read_bytes() if sb.impact_key_file.exists() else None

    got, stderr = run_script(sb, prof, MODELON_INTERACTIVE, stdin=typed + "\n")
    assert got == {"user": "demo-user", "file": typed}, "the client did not save the typed key"

    if prior is None:
        assert not sb.impact_key_file.exists()
    else:
        assert sb.impact_key_file.read_bytes() == prior
    for k in (dead, typed):
        assert files_holding(sb.home, k) == []
        assert k not in stderr
    assert "simcred key replace" in stderr, stderr


DLUBAL_SAVES_A_PAIR = """
if ARGS_DROP_XDG:
    os.environ.pop("XDG_CONFIG_HOME", None)
from dlubal.api.common.connection import _ApiKey, _get_config_path
# What Application(api_key_name=..., api_key_value=...) does first.
a = _ApiKey(os.environ["DLUBAL_API_KEY_NAME"] + "_copy", os.environ["DLUBAL_API_KEY"])
OUT = {"path": str(_get_config_path()), "saved": os.environ["DLUBAL_API_KEY"] in _get_config_path().read_text()}
"""


@pytest.mark.parametrize("drop_xdg", [False, True], ids=["overlay", "client-ignores-XDG"])
@pytest.mark.parametrize("before", ["absent", "the user's file"])
def test_dlubal_name_and_value_leave_config_ini_as_before(sb: Sandbox, before: str, drop_xdg: bool):
    runtime = sb.home / "runtime"
    runtime.mkdir(mode=0o700)
    sb.env["XDG_RUNTIME_DIR"] = str(runtime)
    key = new_key()
    prof = sb.profile_name("rfem")
    sb.simcred("profile", "add", prof, "--service", "dlubal")
    sb.add_key(prof, "project_1", key)
    if before == "the user's file":
        sb.dlubal_ini.parent.mkdir(parents=True)
        sb.dlubal_ini.write_text(f"[api_keys]\nold = {new_key()}\n", encoding="utf-8")
    prior = sb.dlubal_ini.read_bytes() if sb.dlubal_ini.exists() else None

    got, _ = run_script(sb, prof, f"ARGS_DROP_XDG = {drop_xdg!r}\n" + DLUBAL_SAVES_A_PAIR)
    assert got["saved"], got
    assert (got["path"] == str(sb.dlubal_ini)) == drop_xdg, got

    if prior is None:
        assert not sb.dlubal_ini.exists()
    else:
        assert sb.dlubal_ini.read_bytes() == prior
    for root in (sb.home, runtime):
        assert files_holding(root, key) == [], root
