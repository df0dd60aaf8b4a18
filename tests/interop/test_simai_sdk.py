"""Interop: the Ansys SimAI SDK's own config loader (ansys-simai-core, from PyPI) reads what
`simcred export` writes for a SimAI profile.

`SimAIClient.from_config(profile=..., path=...)` is `SimAIClient(**get_config(path, profile))`:
`ansys.simai.core.utils.config_file.get_config` finds the file (`_scan_defaults_config_paths`,
the same search list simcred uses) and returns the profile's TOML table as a dict, and
`SimAIClient.__init__` validates it as `ansys.simai.core.utils.configuration.ClientConfig` before
it builds anything that talks to a server. These tests call exactly those two steps, never
`SimAIClient` itself (it would contact the SimAI API). The offline token is checked against the
loopback sandbox (`simcred sandbox`) with the SDK's own refresh-token code.

Conventions (temp HOME per test, unique profile names, secrets on stdin, vendor code in a
subprocess of this venv) are those of test_vendor_clients.py, whose helpers are reused; see
tests/interop/README.md for how to run the suite.
"""

from __future__ import annotations

import base64
import json
import os
import re
import selectors
import subprocess
import threading
import time
from pathlib import Path

import pytest

from test_vendor_clients import TIMEOUT, mode_of
from test_vendor_clients import Sandbox as _Sandbox
from test_vendor_clients import simcred_bin  # noqa: F401  (a fixture, used here too)

SDK_CLIENT_ID = "com.ansys.simai.sdk"
DEMO_USER, DEMO_PASSWORD, DEMO_ORG = "demo@example.com", "demo-password", "demo-org"
SANDBOX_START_TIMEOUT = 30


def jwt_payload(token: str) -> dict:
    """The (unverified) payload of a JWT."""
    part = token.strip().split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


class SimaiSandbox(_Sandbox):
    """test_vendor_clients.Sandbox, with the SDK's environment kept out too: SIMAI_ACCESS_TOKEN
    (ClientConfig takes it from the environment) and XDG_CACHE_HOME (the SDK's token cache)."""

    def __init__(self, tmp_path: Path, simcred_bin: str):
        super().__init__(tmp_path, simcred_bin)
        self.env.pop("SIMAI_ACCESS_TOKEN", None)
        self.env["XDG_CACHE_HOME"] = str(self.home / ".cache")

    def client_under_run(self, run_profile: str, code: str, **args):
        """Like `client`, but the interpreter is started by `simcred run RUN_PROFILE -- python`,
        so it gets the profile's SIMAI_ACCESS_TOKEN in its environment."""
        return self.run_code(
            [self.bin, "run", run_profile, "--"], "SDK code under `simcred run`", code, args
        )

    @property
    def xdg_conf(self) -> Path:
        """The first entry of the SDK's search list, where simcred creates the file."""
        return self.home / ".config" / "ansys_simai.conf"

    @property
    def home_dir_conf(self) -> Path:
        """The fourth entry of the SDK's search list."""
        return self.home / ".ansys" / "simai.conf"


@pytest.fixture
def sb(tmp_path: Path, simcred_bin: str):  # noqa: F811
    s = SimaiSandbox(tmp_path, simcred_bin)
    yield s
    s.cleanup()


@pytest.fixture(scope="module")
def simai_url(tmp_path_factory, simcred_bin: str):  # noqa: F811
    """Runs `simcred sandbox` for this module's tests and yields its base URL (no trailing
    slash). The process is killed when the module ends, however its tests (or its start) end."""
    home = tmp_path_factory.mktemp("sandbox-home")
    env = dict(os.environ, HOME=str(home), SIMCRED_CONFIG_DIR=str(home / "simcred"))
    err_path = home / "sandbox.stderr"
    with open(err_path, "wb") as err:
        proc = subprocess.Popen(
            [simcred_bin, "sandbox"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=err,
            env=env,
            cwd=home,
        )
    try:
        first = _first_line(proc, SANDBOX_START_TIMEOUT)
        m = re.fullmatch(r"SIMCRED_SANDBOX_URL=(http://127\.0\.0\.1:\d+)", first.strip())
        if not m:
            pytest.fail(
                f"`simcred sandbox` printed {first!r} first (exit status {proc.poll()})\n"
                f"stderr:\n{err_path.read_text(errors='replace')}"
            )
        # Keep reading its stdout so the sandbox never blocks on a full pipe.
        fd = proc.stdout.fileno()
        threading.Thread(target=lambda: _drain(fd), daemon=True).start()
        yield m.group(1)
    finally:
        proc.kill()
        proc.wait(timeout=10)
        proc.stdout.close()


def _first_line(proc: subprocess.Popen, timeout: float) -> str:
    fd = proc.stdout.fileno()
    buf = b""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                break
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            buf += chunk
    return buf.split(b"\n", 1)[0].decode(errors="replace")


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 65536):
            pass
    except OSError:
        pass


# The SDK's loader, as `SimAIClient.from_config(profile, path)` runs it, then the validation
# `SimAIClient.__init__` does first. Nothing here opens a connection.
SDK_LOAD = """
from ansys.simai.core.utils.config_file import _scan_defaults_config_paths, get_config
from ansys.simai.core.utils.configuration import ClientConfig
found = _scan_defaults_config_paths()
OUT = {"found": None if found is None else str(found)}
loaded = get_config(path=ARGS.get("path"), profile=ARGS["profile"])
OUT["loaded"] = {k: v for k, v in loaded.items() if k != "_config_file_profile"}
cfg = ClientConfig(**loaded)
OUT["validated"] = cfg.model_dump(mode="json")
"""

# The SDK's own offline-token refresh (what its Authenticator does first, with the realm URL
# derived from the config's `url` the SDK's way), against the loopback sandbox only.
SDK_REFRESH = """
import logging
from urllib.parse import urljoin
import httpx
from ansys.simai.core.utils.auth import OIDC_CLIENT_ID, _AuthTokensRetriever
from ansys.simai.core.utils.config_file import get_config
from ansys.simai.core.utils.configuration import ClientConfig
logging.disable(logging.CRITICAL)
cfg = ClientConfig(**get_config(profile=ARGS["profile"]))
realm = urljoin(str(cfg.url), "/auth/realms/simai")
with httpx.Client(trust_env=False, timeout=30) as session:
    r = _AuthTokensRetriever(
        None, session, cfg._auth_hash(), realm, offline_token=cfg.offline_token
    )
    tokens = r._refresh_auth_tokens(cfg.offline_token)
OUT = {"client_id": OIDC_CLIENT_ID, "token_url": r.token_url,
       "offline_token": cfg.offline_token,
       "access_token": tokens.access_token if tokens else None}
"""


def add_simai_profile(sb: SimaiSandbox, prof: str, url: str, *settings: str) -> None:
    args = ["profile", "add", prof, "--service", "simai", "--organization", DEMO_ORG, "--url", url]
    for s in settings:
        args += ["--set", s]
    sb.simcred(*args)


def sign_in_offline(sb: SimaiSandbox, prof: str) -> None:
    """Stores an offline token for `prof` from the sandbox (password on stdin, no TOTP)."""
    sb.simcred(
        "offline-token", prof, "--password", "--username", DEMO_USER, stdin=f"{DEMO_PASSWORD}\n\n"
    )


# ---- 1. settings only --------------------------------------------------------------------------


@pytest.mark.parametrize("what", ["simai", "simai.dotted@name"])
def test_sdk_loader_reads_simcred_export(sb: SimaiSandbox, what: str):
    # "simai.dotted@name": `.` and `@` are allowed in simcred names and need a quoted TOML key.
    prof = sb.profile_name(what)
    settings = {
        "workspace": "wing-study",
        "project": "Project Ω 2",  # non-ASCII and a space survive the TOML round trip
        "https_proxy": "http://proxy.example.test:3128",
        "tls_ca_bundle": "system",
        "skip_version_check": "true",
    }
    url = "https://simai.example.test/v2/"
    add_simai_profile(sb, prof, url, *(f"{k}={v}" for k, v in settings.items()))

    out = sb.simcred_json("export", prof)
    assert out == {"path": str(sb.xdg_conf), "keys": ["settings"]}
    text = sb.xdg_conf.read_text(encoding="utf-8")
    assert "offline_token" not in text
    assert "demo-password" not in text

    for path in (None, str(sb.xdg_conf)):  # from_config(profile) and from_config(profile, path)
        got = sb.client(SDK_LOAD, profile=prof, path=path)
        assert got["found"] == str(sb.xdg_conf)
        assert got["loaded"] == {
            "organization": DEMO_ORG,
            "url": url,
            "workspace": "wing-study",
            "project": "Project Ω 2",
            "https_proxy": "http://proxy.example.test:3128",
            "tls_ca_bundle": "system",
            "skip_version_check": True,  # a TOML boolean, not the string "true"
        }
        v = got["validated"]
        assert (v["organization"], v["url"], v["workspace"], v["project"]) == (
            DEMO_ORG,
            url,
            "wing-study",
            "Project Ω 2",
        )
        assert v["https_proxy"] == "http://proxy.example.test:3128/"  # pydantic's normal form
        assert v["tls_ca_bundle"] == "system"
        assert v["skip_version_check"] is True
        assert v["offline_token"] is None and v["credentials"] is None
        assert v["access_token"] is None

    # Exporting again changes nothing.
    before = sb.xdg_conf.read_bytes()
    sb.simcred("export", prof)
    assert sb.xdg_conf.read_bytes() == before
    assert sorted(p.name for p in sb.xdg_conf.parent.iterdir()) == ["ansys_simai.conf"]


# ---- 2. the offline token ----------------------------------------------------------------------


def test_sdk_reads_exported_offline_token(sb: SimaiSandbox, simai_url: str):
    prof = sb.profile_name("simai-offline")
    add_simai_profile(sb, prof, f"{simai_url}/v2/", "workspace=demo-ws")
    sign_in_offline(sb, prof)
    access = jwt_payload(sb.simcred("token", prof).stdout)

    out = sb.simcred_json("export", prof, "--include-secret")
    assert out == {"path": str(sb.xdg_conf), "keys": ["settings", "offline_token"]}
    assert mode_of(sb.xdg_conf) == 0o600
    assert DEMO_PASSWORD not in sb.xdg_conf.read_text(encoding="utf-8")

    got = sb.client(SDK_LOAD, profile=prof)
    assert got["found"] == str(sb.xdg_conf)
    loaded = got["loaded"]
    assert set(loaded) == {"organization", "url", "workspace", "offline_token"}
    assert (loaded["organization"], loaded["url"], loaded["workspace"]) == (
        DEMO_ORG,
        f"{simai_url}/v2/",
        "demo-ws",
    )
    offline = loaded["offline_token"]
    assert got["validated"]["offline_token"] == offline

    # An offline token issued to the SDK's client, from the same sign-in session as the
    # access token simcred hands out for this profile.
    claims = jwt_payload(offline)
    assert claims["typ"] == "Offline"
    assert claims["azp"] == SDK_CLIENT_ID
    assert "offline_access" in claims["scope"].split()
    assert claims["sid"] == access["sid"] and claims["sub"] == access["sub"]
    assert claims["iss"] == f"{simai_url}/auth/realms/simai"

    # The SDK's own refresh code turns it into an access token for the same user.
    ref = sb.client(SDK_REFRESH, profile=prof)
    assert ref["client_id"] == SDK_CLIENT_ID
    assert ref["token_url"] == f"{simai_url}/auth/realms/simai/protocol/openid-connect/token"
    assert ref["access_token"], "the sandbox refused the exported offline token"
    fresh = jwt_payload(ref["access_token"])
    assert fresh["typ"] == "Bearer" and fresh["azp"] == SDK_CLIENT_ID
    assert fresh["sub"] == access["sub"] and fresh["sid"] == access["sid"]

    # Exporting again writes the same token: it is the one kept in the keyring.
    before = sb.xdg_conf.read_bytes()
    sb.simcred("export", prof, "--include-secret")
    assert sb.xdg_conf.read_bytes() == before
    assert mode_of(sb.xdg_conf) == 0o600
    assert sorted(p.name for p in sb.xdg_conf.parent.iterdir()) == ["ansys_simai.conf"]

    # `simcred logout` revokes the token it holds; the file's copy stops working with it,
    # so the file held exactly that token.
    sb.simcred("logout", prof)
    ref = sb.client(SDK_REFRESH, profile=prof)
    assert ref["offline_token"] == offline
    assert ref["access_token"] is None


def test_include_secret_replaces_other_sdk_auth_and_tightens_mode(sb: SimaiSandbox, simai_url: str):
    """The SDK refuses a profile with more than one of credentials / offline_token /
    access_token, so exporting the offline token into an existing table must drop the others."""
    prof = sb.profile_name("simai-replace")
    conf = sb.xdg_conf
    conf.parent.mkdir(parents=True)
    conf.write_text(
        f'["{prof}"]\n'
        'organization = "old-org"\n'
        'credentials = { username = "someone@example.com", password = "old-password" }\n'
        "# the user's own note\n"
        "no_sse_connection = true\n",
        encoding="utf-8",
    )
    os.chmod(conf, 0o644)
    add_simai_profile(sb, prof, f"{simai_url}/v2/")
    sign_in_offline(sb, prof)

    sb.simcred("export", prof, "--include-secret")
    assert mode_of(conf) == 0o600
    text = conf.read_text(encoding="utf-8")
    assert "old-password" not in text and "credentials" not in text
    assert "# the user's own note" in text

    got = sb.client(SDK_LOAD, profile=prof)
    loaded = got["loaded"]
    assert loaded["organization"] == DEMO_ORG
    assert loaded["no_sse_connection"] is True  # the user's own setting is kept
    assert jwt_payload(loaded["offline_token"])["typ"] == "Offline"
    assert got["validated"]["credentials"] is None
    assert got["validated"]["offline_token"] == loaded["offline_token"]


def test_settings_export_with_simcred_run_gives_the_sdk_a_working_config(
    sb: SimaiSandbox, simai_url: str
):
    """The way that keeps no secret on disk: settings in the SDK's file, the access token from
    `simcred run` (SIMAI_ACCESS_TOKEN, which ClientConfig reads from the environment)."""
    prof = sb.profile_name("simai-run")
    add_simai_profile(sb, prof, f"{simai_url}/v2/", "workspace=demo-ws")
    sign_in_offline(sb, prof)
    sb.simcred("export", prof)
    assert "offline_token" not in sb.xdg_conf.read_text(encoding="utf-8")

    got = sb.client_under_run(
        prof, SDK_LOAD + "\nimport os\nOUT['env_token'] = os.environ.get('SIMAI_ACCESS_TOKEN')\n",
        profile=prof,
    )
    v = got["validated"]
    assert (v["organization"], v["url"], v["workspace"]) == (
        DEMO_ORG,
        f"{simai_url}/v2/",
        "demo-ws",
    )
    assert v["offline_token"] is None
    assert v["access_token"] == got["env_token"]
    claims = jwt_payload(v["access_token"])
    assert claims["typ"] == "Bearer" and claims["azp"] == SDK_CLIENT_ID
    assert claims["iss"] == f"{simai_url}/auth/realms/simai"


# ---- 3. merging into the file the SDK finds first ----------------------------------------------


def test_export_merges_into_the_first_file_in_the_sdk_search_list(sb: SimaiSandbox):
    prof = sb.profile_name("simai-merge")
    conf = sb.home_dir_conf  # ~/.ansys/simai.conf: the only one of the list that exists
    conf.parent.mkdir(parents=True)
    original = (
        "# SimAI profiles, kept by hand\n"
        "[other]\n"
        'organization = "other-org"  # trailing comment\n'
        'url = "https://other.example.test/v2/"\n'
        'workspace = "theirs"\n'
        "\n"
        f'["{prof}"]\n'
        'organization = "stale-org"\n'
        'geomai_workspace = "keep-me"\n'
    )
    conf.write_text(original, encoding="utf-8")
    os.chmod(conf, 0o640)

    add_simai_profile(
        sb, prof, "https://simai.example.test/v2/", "workspace=mine", "project=p1"
    )
    out = sb.simcred_json("export", prof)
    assert out["path"] == str(conf)
    assert not sb.xdg_conf.exists()
    assert not (sb.home / ".config" / "ansys" / "simai.conf").exists()
    assert not (sb.home / ".ansys_simai.conf").exists()
    assert mode_of(conf) == 0o640  # no secret written: the file keeps its mode
    assert sorted(p.name for p in conf.parent.iterdir()) == ["simai.conf"]

    after = conf.read_text(encoding="utf-8")
    # Everything above our table is byte-for-byte what was there, comments included.
    head = original.split(f'["{prof}"]')[0]
    assert after.startswith(head)
    assert after.count(f'["{prof}"]') == 1

    got = sb.client(SDK_LOAD, profile=prof)
    assert got["found"] == str(conf)
    assert got["loaded"] == {
        "organization": DEMO_ORG,
        "url": "https://simai.example.test/v2/",
        "workspace": "mine",
        "project": "p1",
        "geomai_workspace": "keep-me",
    }
    assert got["validated"]["organization"] == DEMO_ORG
    other = sb.client(SDK_LOAD, profile="other")
    assert other["loaded"] == {
        "organization": "other-org",
        "url": "https://other.example.test/v2/",
        "workspace": "theirs",
    }


def test_export_path_writes_where_told_and_sdk_reads_it(sb: SimaiSandbox):
    prof = sb.profile_name("simai-path")
    add_simai_profile(sb, prof, "https://simai.example.test/v2/", "project=p2")
    target = sb.home / "elsewhere" / "my-simai.toml"
    out = sb.simcred_json("export", prof, "--path", str(target))
    assert out["path"] == str(target)
    assert not sb.xdg_conf.exists()
    got = sb.client(SDK_LOAD, profile=prof, path=str(target))
    assert got["found"] is None  # nothing in the default places
    assert got["loaded"]["project"] == "p2" and got["loaded"]["organization"] == DEMO_ORG


# ---- 4. a malformed config ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '[other]\norganization = "x"\nurl =\n',  # no value
        '[other]\norganization = "x"\n[unclosed\n',  # bad table header
        '[other]\norganization = "x"\norganization = "y"\n',  # duplicate key
        '# note\n[other]\nurl = "https://x.test/v2/\nworkspace = "w"\n',  # unterminated string
        '[other]\r\norganization = "x"\r\nurl =\r\n',  # CRLF line ends
    ],
    ids=["no-value", "bad-header", "duplicate-key", "unterminated-string", "crlf"],
)
def test_malformed_config_is_reported_and_left_alone(sb: SimaiSandbox, text: str):
    prof = sb.profile_name("simai-bad")
    conf = sb.xdg_conf
    conf.parent.mkdir(parents=True)
    conf.write_bytes(text.encode("utf-8"))
    os.chmod(conf, 0o640)
    before = conf.read_bytes()
    add_simai_profile(sb, prof, "https://simai.example.test/v2/")

    r = sb.simcred("export", prof, ok=False)
    assert r.returncode == 1, r
    assert f"{conf}:3:" in r.stderr, r.stderr
    assert conf.read_bytes() == before
    assert mode_of(conf) == 0o640
    assert sorted(p.name for p in conf.parent.iterdir()) == ["ansys_simai.conf"]

    # The SDK refuses the same file, at the same line.
    got = sb.client(
        """
from ansys.simai.core.errors import InvalidConfigurationError
from ansys.simai.core.utils.config_file import get_config
try:
    get_config(profile="other")
    OUT = "read"
except InvalidConfigurationError as e:
    OUT = str(e)
"""
    )
    assert got != "read"
    assert "at line 3," in got, got


def test_export_message_states_the_mode_written(sb: SimaiSandbox):
    prof = sb.profile_name("simai-msg")
    add_simai_profile(sb, prof, "https://simai.example.test/v2/")
    r = sb.simcred("export", prof)
    assert "(no secret)" in r.stdout, r.stdout
    assert "0600" not in r.stdout, r.stdout
