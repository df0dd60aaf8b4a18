"""Interop: Dlubal's own Python client (dlubal-api 2.16.4, from PyPI), unmodified, talks to the
sandbox's fake Dlubal application over gRPC, as it would to RFEM, RSTAB or RSECTION.

`$SIMCRED_BIN sandbox` (test_simai_sdk's module fixture) runs for the module; its Dlubal ports and the
TLS listener's CA come from `GET /_sandbox/dlubal`, keys are added with
`POST /_sandbox/dlubal/keys`. The client code runs in a subprocess of this venv with the test's
own HOME and XDG_CONFIG_HOME (where the client keeps `Dlubal/api/config.ini`), through the
helpers of test_vendor_clients.py. Keys go to the subprocess on stdin, never in argv.
"""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest

from test_simai_sdk import simai_url  # noqa: F401  (a fixture, used here too)
from test_vendor_clients import Sandbox, new_key
from test_vendor_clients import sb  # noqa: F401  (a fixture, used here too)
from test_vendor_clients import simcred_bin  # noqa: F401  (a fixture, used here too)

INVALID = "API key is invalid or in incorrect format."
RESTRICTED = (
    "API access has been restricted. Your company does not have permission to use the Dlubal API "
    "Service, or the limits defined in your subscription plan have been exceeded."
)


class DlubalSandbox:
    """The running sandbox's HTTP control endpoints, as far as Dlubal needs them."""

    def __init__(self, url: str):
        self.url = url

    def _request(self, method: str, path: str, body: dict | None = None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"} if data else {},
        )
        # The sandbox is on the loopback: no proxy may see the keys.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(req, timeout=10) as r:
            text = r.read().decode()
        return json.loads(text) if text.strip() else None

    def info(self) -> dict:
        return self._request("GET", "/_sandbox/dlubal")

    def add_key(self, key: str, limited: bool = False) -> None:
        self._request("POST", "/_sandbox/dlubal/keys", {"key": key, "limited": limited})


@pytest.fixture(scope="module")
def dlubal(simai_url: str) -> DlubalSandbox:  # noqa: F811
    """The control endpoints of the module's `simcred sandbox` (test_simai_sdk's fixture starts
    it; the same process serves Dlubal's gRPC)."""
    return DlubalSandbox(simai_url)


@pytest.fixture
def ca_file(tmp_path: Path, dlubal: DlubalSandbox) -> Path:
    """The sandbox's CA in a file, named as the client wants it (`.pem`)."""
    path = tmp_path / "dlubal-sandbox-ca.pem"
    path.write_text(dlubal.info()["ca_pem"], encoding="ascii")
    return path


# Opens a session as the client's documentation does, reads the application and the plan, and
# keeps what the client printed (a version mismatch is a printed warning).
OPEN_AND_READ = """
import contextlib, importlib, io
product = importlib.import_module("dlubal.api." + ARGS["product"])
printed = io.StringIO()
with contextlib.redirect_stdout(printed):
    with product.Application(api_key_value=ARGS["key"], port=ARGS["port"], **ARGS["tls"]) as app:
        info = app.get_application_info()
        sub = app.get_subscription_info()
OUT = {
    "name": info.name,
    "version": info.version,
    "count": sub.api_requests_count,
    "limit": sub.api_requests_limit,
    "plan": sub.subscription_plan,
    "printed": printed.getvalue(),
}
"""

# Opening a session, which must fail: the error the client raises.
OPEN_FAILS = """
import importlib
product = importlib.import_module("dlubal.api." + ARGS["product"])
try:
    product.Application(api_key_value=ARGS["key"], port=ARGS["port"])
    OUT = None
except RuntimeError as e:
    OUT = str(e)
"""


def open_and_read(sb: Sandbox, product: str, key: str, port: int, **tls) -> dict:  # noqa: F811
    return sb.client(OPEN_AND_READ, product=product, key=key, port=port, tls=tls)


def no_file_holds(root: Path, secret: str) -> None:
    for p in root.rglob("*"):
        if p.is_file():
            assert secret not in p.read_text(errors="replace"), p


def test_rfem_client_reads_the_plan_and_count_from_the_sandbox(
    sb: Sandbox, dlubal: DlubalSandbox  # noqa: F811
):
    key = new_key()
    dlubal.add_key(key)
    port = dlubal.info()["port"]
    before = dlubal.info()["api_requests_count"]

    out = open_and_read(sb, "rfem", key, port)
    assert out["name"] == "RFEM 6"
    assert out["plan"] == "Sandbox Professional" and out["limit"] == 10000
    # Opening calls get_application_info, then the script calls it and get_subscription_info:
    # every call counts, the one that reports the count included.
    assert out["count"] == before + 3
    assert "WARNING" not in out["printed"] and "mismatch" not in out["printed"], out["printed"]
    # Leaving the `with` block called close_connection, which counts too.
    assert dlubal.info()["api_requests_count"] == before + 4
    # It made its config directory under the test's XDG_CONFIG_HOME, and stored no key there.
    assert sb.dlubal_ini.parent.is_dir()
    no_file_holds(sb.home, key)

    again = open_and_read(sb, "rfem", key, port)
    assert again["count"] == before + 4 + 3


def test_a_bad_key_raises_with_the_vendors_sentence(
    sb: Sandbox, dlubal: DlubalSandbox  # noqa: F811
):
    info = dlubal.info()
    message = sb.client(OPEN_FAILS, product="rfem", key=new_key(), port=info["port"])
    assert message is not None, "the client opened a session with an unknown key"
    assert "UNAUTHENTICATED" in message and INVALID in message, message
    assert dlubal.info()["requests"] == info["requests"] + 1
    assert dlubal.info()["api_requests_count"] == info["api_requests_count"]


def test_rstab_client_likewise_and_a_limited_key_is_restricted(
    sb: Sandbox, dlubal: DlubalSandbox  # noqa: F811
):
    key, limited = new_key(), new_key()
    dlubal.add_key(key)
    dlubal.add_key(limited, limited=True)
    port = dlubal.info()["port"]
    out = open_and_read(sb, "rstab", key, port)
    assert out["name"] == "RSTAB 9" and out["version"].split(".")[1:3] == ["16", "4"]
    assert "WARNING" not in out["printed"], out["printed"]

    message = sb.client(OPEN_FAILS, product="rstab", key=limited, port=port)
    assert message is not None
    assert "PERMISSION_DENIED" in message and RESTRICTED in message, message
    message = sb.client(OPEN_FAILS, product="rstab", key=new_key(), port=port)
    assert message is not None and INVALID in message, message


def test_rsection_client_opens_a_session(sb: Sandbox, dlubal: DlubalSandbox):  # noqa: F811
    key = new_key()
    dlubal.add_key(key)
    out = open_and_read(sb, "rsection", key, dlubal.info()["port"])
    assert out["name"] == "RSECTION 1"


def test_tls_with_the_sandboxs_ca_works(
    sb: Sandbox, dlubal: DlubalSandbox, ca_file: Path  # noqa: F811
):
    key = new_key()
    dlubal.add_key(key)
    tls_port = dlubal.info()["tls_port"]
    out = open_and_read(sb, "rfem", key, tls_port, ssl=True, ssl_file=str(ca_file))
    assert out["name"] == "RFEM 6" and out["plan"] == "Sandbox Professional"


# Under `simcred run`: the client finds the key by name in the private config.ini SimCred hands it.
OPEN_BY_NAME = """
from dlubal.api import rfem
with rfem.Application(api_key_name=ARGS["name"], port=ARGS["port"]) as app:
    sub = app.get_subscription_info()
OUT = {"count": sub.api_requests_count, "limit": sub.api_requests_limit, "plan": sub.subscription_plan}
"""


def test_the_vendors_client_under_simcred_run_and_simcreds_check_agree(
    sb: Sandbox, dlubal: DlubalSandbox  # noqa: F811
):
    key = new_key()
    dlubal.add_key(key)
    port = dlubal.info()["port"]
    p = sb.profile_name("rfem")
    sb.simcred("profile", "add", p, "--service", "dlubal", "--set", f"port={port}")
    sb.add_key(p, "project_1", key)

    # SimCred's own check against the same server: valid, with the plan and the count.
    r = sb.simcred_json("key", "check", p)
    assert r["key"]["status"] == "valid", r
    usage = r["key"]["usage"]
    assert usage.startswith("plan Sandbox Professional · "), r
    assert "of 10,000 API requests this month" in usage, r
    counted = int(re.search(r"· ([\d,]+) of", usage).group(1).replace(",", ""))

    # The unmodified client, started under `simcred run`, opens a session by the key's name.
    out = sb.run_code(
        [sb.bin, "run", p, "--"],
        "the Dlubal client under simcred run",
        OPEN_BY_NAME,
        {"name": "project_1", "port": port},
    )
    assert out["plan"] == "Sandbox Professional" and out["limit"] == 10000
    # Every call counts, the one reporting included: since the check's report, the client's
    # get_application_info (opening) and this get_subscription_info.
    assert out["count"] == counted + 2, (out, counted)
    # No plaintext left: the user's own config.ini was never written, no file holds the key.
    assert not sb.dlubal_ini.exists()
    no_file_holds(sb.home, key)
