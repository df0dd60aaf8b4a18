"""Interop: one notebook per vendor (tests/interop/notebooks/), executed headless with nbclient
and ipykernel in this venv, as a user runs it: it imports `simcred`, builds the vendor's client
through it, makes an authenticated call to the loopback sandbox, and leaves no file under HOME
that holds the secret. The kernel gets the test's HOME and environment (the sandbox's); the
profile name comes from SIMCRED_NB_PROFILE.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from test_dlubal_grpc import dlubal  # noqa: F401  (a fixture, used by name)
from test_python_package import modelon_profile_with_valid_key, signed_in_simai_profile
from test_simai_sdk import sb, simai_url  # noqa: F401  (fixtures, used by name)
from test_vendor_clients import files_holding, new_key, simcred_bin  # noqa: F401

NOTEBOOKS = Path(__file__).parent / "notebooks"

# Runs a notebook in a fresh interpreter (the test's environment) and returns its printed output.
EXECUTE = """
import os, nbformat
from nbclient import NotebookClient
os.environ["SIMCRED_NB_PROFILE"] = ARGS["profile"]
os.environ.update(ARGS.get("env", {}))
nb = nbformat.read(ARGS["path"], as_version=4)
NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": ARGS["cwd"]}}).execute()
OUT = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
"""


def test_modelon_notebook(sb, simai_url):  # noqa: F811
    prof, key = modelon_profile_with_valid_key(sb, simai_url)
    out = sb.client(EXECUTE, profile=prof, path=str(NOTEBOOKS / "modelon.ipynb"), cwd=str(sb.home))
    assert "signed in as demo-user" in out, out
    assert not sb.impact_key_file.exists()
    assert files_holding(sb.home, key) == []


def set_access_token_ttl(simai_url: str, seconds: int) -> None:
    req = urllib.request.Request(
        f"{simai_url}/_sandbox/simai/access-token-ttl",
        data=json.dumps({"seconds": seconds}).encode(),
        method="POST",
        headers={"content-type": "application/json"},
    )
    # The sandbox is on the loopback: no proxy.
    urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=10).close()


def test_simai_notebook(sb, simai_url):  # noqa: F811
    prof, offline = signed_in_simai_profile(sb, simai_url)
    # Access tokens issued from now on live 2 s; the notebook's last cell runs 3 s later.
    set_access_token_ttl(simai_url, 2)
    try:
        out = sb.client(
            EXECUTE,
            profile=prof,
            path=str(NOTEBOOKS / "simai.ipynb"),
            cwd=str(sb.home),
            env={"SIMCRED_NB_WAIT": "3"},
        )
    finally:
        set_access_token_ttl(simai_url, 300)
    assert "['demo-ws']" in out and "current workspace: demo-ws" in out, out
    assert "after the access token's lifetime: ['demo-ws']" in out, out
    assert files_holding(sb.home, offline) == []


def test_dlubal_notebook(sb, dlubal):  # noqa: F811
    key = new_key()
    dlubal.add_key(key)
    prof = sb.profile_name("rfem")
    sb.simcred("profile", "add", prof, "--service", "dlubal", "--set", f"port={dlubal.info()['port']}")
    sb.add_key(prof, "project_1", key)
    out = sb.client(EXECUTE, profile=prof, path=str(NOTEBOOKS / "dlubal.ipynb"), cwd=str(sb.home))
    assert "connected to RFEM 6" in out, out
    assert "Sandbox Professional: " in out and " of 10000 API requests this month" in out, out
    assert not sb.dlubal_ini.exists() or key not in sb.dlubal_ini.read_text()
    assert files_holding(sb.home, key) == []
