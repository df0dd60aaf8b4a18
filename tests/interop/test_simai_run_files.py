"""Interop: `simcred run --files` gives the real Ansys SimAI SDK (ansys-simai-core, from PyPI) its
own config with the profile's offline token, so `SimAIClient.from_config(profile=...)` refreshes
by itself and a job keeps working across several short access-token lifetimes (set in the
loopback sandbox through `POST /_sandbox/simai/access-token-ttl`), while a stale plaintext SDK
config with another token sits in the user's config dir and stays byte-identical.

After each run (and after SIGKILL of the job, and of simcred followed by the next run) no file
in the home, its XDG dirs, the runtime dir, /tmp (files written since the test began) or
/dev/shm holds the offline token or any access token the job used, and the SDK's token cache
never lands in the user's real cache dir.

The job talks to the sandbox only: `skip_version_check` (no PyPI request) and
`no_sse_connection` are set in the profile, like any other SDK setting simcred hands over.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from test_simai_sdk import (  # noqa: F401  (fixtures, used by name)
    DEMO_ORG,
    SimaiSandbox,
    add_simai_profile,
    jwt_payload,
    sb,
    sign_in_offline,
    simai_url,
)
from test_vendor_clients import TIMEOUT, simcred_bin  # noqa: F401

TTL = 3  # seconds an access token lives in these tests
ROUNDS = 3  # API calls, each after the previous call's access token has expired

# A small SimAI job: list the workspaces (and the current one, from the profile's `workspace`)
# once per round, each round only after the access token of the previous one has expired
# (its `exp` compared with the clock, with a deadline). Reports on stdout, one JSON line.
JOB = r"""
import json, os, sys, time, base64
from ansys.simai.core import SimAIClient
from ansys.simai.core.utils.files import get_cache_dir

def claims(tok):
    part = tok.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))

args = json.loads(sys.argv[1])
client = SimAIClient.from_config(profile=args["profile"])
auth = client._api._session.auth
rounds = []
for i in range(args["rounds"]):
    names = [w.name for w in client.workspaces.list()]
    tok = auth._last_access_token
    exp = claims(tok)["exp"]
    rounds.append({"workspaces": names, "current": client.current_workspace.name,
                   "token": tok, "exp": exp, "at": time.time()})
    if i + 1 < args["rounds"]:
        deadline = time.monotonic() + args["ttl"] + 30
        while time.time() <= exp + 0.2:  # the token has expired when the next call is made
            if time.monotonic() > deadline:
                raise SystemExit("the clock did not pass the token's exp")
            time.sleep(0.05)
cache = get_cache_dir()
report = {"rounds": rounds, "cache_dir": str(cache),
          "cache_files": sorted(p.name for p in cache.iterdir())}
if args.get("hold"):
    report["pid"] = os.getpid()
    print(json.dumps(report), flush=True)
    sys.stdin.read()  # until killed
else:
    print(json.dumps(report), flush=True)
"""


def control(url: str, path: str, body: dict) -> None:
    req = urllib.request.Request(
        f"{url}/_sandbox/simai/{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(req, timeout=10) as r:
        assert r.status == 204


@pytest.fixture
def short_tokens(simai_url: str):  # noqa: F811
    control(simai_url, "access-token-ttl", {"seconds": TTL})
    yield simai_url
    control(simai_url, "access-token-ttl", {"seconds": 300})


class Setup:
    def __init__(self, sb: SimaiSandbox, url: str):  # noqa: F811
        self.sb = sb
        self.started = time.time()
        self.runtime = sb.home / "runtime"
        self.runtime.mkdir(mode=0o700)
        sb.env["XDG_RUNTIME_DIR"] = str(self.runtime)
        sb.env["NO_PROXY"] = sb.env["no_proxy"] = "127.0.0.1,localhost"
        self.prof = sb.profile_name("simai-files")
        add_simai_profile(
            sb,
            self.prof,
            f"{url}/v2/",
            "workspace=demo-ws",
            "skip_version_check=true",
            "no_sse_connection=true",
            "interactive=false",
        )
        sign_in_offline(sb, self.prof)
        # The offline token simcred holds, through an export to a file removed at once.
        exported = sb.home / "exported.conf"
        sb.simcred("export", self.prof, "--include-secret", "--path", str(exported))
        self.offline = jwt_payload_field(exported, "offline_token")
        exported.unlink()
        self.sid = jwt_payload(self.offline)["sid"]
        # The user's own stale plaintext SDK config, holding another token.
        self.user_conf = sb.xdg_conf
        self.user_conf.parent.mkdir(parents=True, exist_ok=True)
        self.user_conf.write_text(
            f'["{self.prof}"]\norganization = "{DEMO_ORG}"\nurl = "{url}/v2/"\n'
            'offline_token = "stale-offline-token-from-long-ago"\n'
            "[default]\n"
            f'organization = "{DEMO_ORG}"\noffline_token = "another-stale-token"\n',
            encoding="utf-8",
        )
        self.user_conf_bytes = self.user_conf.read_bytes()
        self.real_cache = sb.home / ".cache" / "ansys" / "pysimai"

    def run_job(self, rounds: int, hold: bool = False) -> subprocess.Popen:
        args = json.dumps({"profile": self.prof, "rounds": rounds, "ttl": TTL, "hold": hold})
        return subprocess.Popen(
            [self.sb.bin, "run", self.prof, "--files", "--", sys.executable, "-c", JOB, args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.sb.env,
            cwd=self.sb.home,
        )

    def check_no_secret_left(self, tokens: list[str]) -> None:
        needles = [self.offline, *tokens]
        roots = [self.sb.home, self.runtime, Path(tempfile.gettempdir()), Path("/dev/shm")]
        for root in roots:
            for path in recent_files(root, self.started):
                try:
                    data = path.read_bytes()
                except OSError:
                    continue
                for n in needles:
                    assert n.encode() not in data, f"{path} holds a token"
        assert self.user_conf.read_bytes() == self.user_conf_bytes
        assert not self.real_cache.exists() or not list(self.real_cache.glob("tokens-*"))
        assert list(self.runtime.iterdir()) == []


def jwt_payload_field(path: Path, field: str) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(field):
            return line.split('"')[1]
    raise AssertionError(f"no {field} in {path}")


def recent_files(root: Path, since: float):
    """Regular files below `root` changed since `since` (smaller than 4 MiB); other agents'
    and the system's older files in /tmp are not ours to read."""
    if not root.is_dir():
        return
    for dirpath, _dirs, files in os.walk(root, onerror=lambda e: None):
        for f in files:
            p = Path(dirpath) / f
            try:
                st = p.lstat()
            except OSError:
                continue
            if p.is_symlink() or not p.is_file():
                continue
            if st.st_mtime >= since - 1 and st.st_size < 4 * 1024 * 1024:
                yield p


def test_sdk_job_outlives_short_access_tokens_under_run_files(sb: SimaiSandbox, short_tokens):  # noqa: F811
    s = Setup(sb, short_tokens)
    proc = s.run_job(ROUNDS)
    out, err = proc.communicate(timeout=TIMEOUT + ROUNDS * TTL)
    assert proc.returncode == 0, f"the job failed:\n{err}"
    report = json.loads(out.strip().splitlines()[-1])
    rounds = report["rounds"]
    assert len(rounds) == ROUNDS
    tokens = [r["token"] for r in rounds]
    for i, r in enumerate(rounds):
        assert r["workspaces"] == ["demo-ws"] and r["current"] == "demo-ws"
        claims = jwt_payload(r["token"])
        # The profile's own session (not the stale file's), a token that lives TTL seconds.
        assert claims["sid"] == s.sid and claims["exp"] - claims["iat"] == TTL
        if i:
            # Each call came after the previous token had expired, with a new token.
            assert r["at"] > rounds[i - 1]["exp"]
            assert r["token"] != rounds[i - 1]["token"]
    # The SDK's token cache was private and held the last access token while the job ran.
    assert report["cache_dir"].startswith(str(s.runtime)), report["cache_dir"]
    assert any(n.startswith("tokens-") and n.endswith(".json") for n in report["cache_files"])
    s.check_no_secret_left(tokens)


@pytest.mark.parametrize("victim", ["job", "simcred"])
def test_killed_run_files_leaves_no_token(sb: SimaiSandbox, short_tokens, victim: str):  # noqa: F811
    s = Setup(sb, short_tokens)
    proc = s.run_job(1, hold=True)
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        pytest.fail(f"the job did not start:\n{proc.communicate(timeout=TIMEOUT)[1]}")
    report = json.loads(line)
    tokens = [r["token"] for r in report["rounds"]]
    assert any(n.startswith("tokens-") for n in report["cache_files"])
    assert report["cache_dir"].startswith(str(s.runtime))
    # While the job runs, its private files exist (and only there).
    assert list(s.runtime.iterdir()) != []
    if victim == "job":
        os.kill(report["pid"], signal.SIGKILL)
        proc.communicate(timeout=TIMEOUT)
        assert proc.returncode == 128 + signal.SIGKILL
    else:
        proc.kill()  # SIGKILL simcred: it cannot clean up
        proc.wait(timeout=TIMEOUT)
        os.kill(report["pid"], signal.SIGKILL)  # then the orphaned job
        proc.communicate(timeout=TIMEOUT)
        assert list(s.runtime.iterdir()) != [], "a killed simcred leaves its directory"
        # The next run of simcred removes it.
        sb.simcred("run", s.prof, "--files", "--", "true")
    s.check_no_secret_left(tokens)


def test_without_files_the_same_job_dies_when_its_access_token_expires(
    sb: SimaiSandbox, short_tokens  # noqa: F811
):
    """Why --files exists: plain `run` hands SIMAI_ACCESS_TOKEN, which the SDK treats as static,
    so the job's second call (after the token's exp) fails; run warned about it on stderr."""
    s = Setup(sb, short_tokens)
    # Settings only in the user's SDK config (an offline_token beside the variable is refused).
    s.user_conf.unlink()
    sb.simcred("export", s.prof)
    args = json.dumps({"profile": s.prof, "rounds": 2, "ttl": TTL})
    r = subprocess.run(
        [sb.bin, "run", s.prof, "--", sys.executable, "-c", JOB, args],
        capture_output=True,
        text=True,
        env=sb.env,
        cwd=sb.home,
        timeout=TIMEOUT + TTL,
    )
    assert r.returncode != 0, r.stdout
    assert "Access token has expired" in r.stderr, r.stderr
    assert "simcred: note: the access token in SIMAI_ACCESS_TOKEN expires in 0 min" in r.stderr


# ---- server-side optimisation wants an offline token of a given client ---------------------------

# A job that runs a server-side optimisation (`optimizations.run_non_parametric`, SDK 0.4.8) on the
# sandbox's demo geometry. The SDK reads the workspace's model manifest first; for coreml 3.16-3.17
# it wants an offline token whose `azp` is `sdk`, and with another one it signs in again by itself
# (`_get_offline_token_private`: a device login, as no credentials are configured).
OPTIM_JOB = r"""
import json, sys
from ansys.simai.core import SimAIClient
print("job started", file=sys.stderr, flush=True)
args = json.loads(sys.argv[1])
client = SimAIClient.from_config(profile=args["profile"])
opt = client.optimizations.run_non_parametric(
    "geom-demo-0001", bounding_boxes=[[0, 1, 0, 1, 0, 1]], n_iters=2,
    max_displacement=[0.1], minimize=["TotalForceX"])
print(json.dumps({"id": opt.id, "state": opt.fields["state"],
                  "client": opt.fields["offline_token_client"]}), flush=True)
"""


def device_requests(url: str) -> list[str]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"{url}/_sandbox/simai/device-requests", timeout=10) as r:
        return json.loads(r.read())["clients"]


@pytest.fixture
def coreml_3_16(simai_url: str):  # noqa: F811
    """The sandbox's model is a coreml 3.16 one (its optimisations need client `sdk`)."""
    control(simai_url, "coreml-version", {"version": "3.16.0"})
    yield simai_url
    control(simai_url, "coreml-version", {"version": None})


def optim_setup(sb: SimaiSandbox, url: str) -> str:  # noqa: F811
    sb.env["NO_PROXY"] = sb.env["no_proxy"] = "127.0.0.1,localhost"
    sb.env["BROWSER"] = "true"  # the SDK's webbrowser.open, should it sign in by itself
    prof = sb.profile_name("simai-optim")
    add_simai_profile(
        sb, prof, f"{url}/v2/", "workspace=demo-ws", "skip_version_check=true",
        "no_sse_connection=true", "interactive=false",
    )
    return prof


def run_optim(sb: SimaiSandbox, prof: str, *flags: str, **kw) -> subprocess.Popen:  # noqa: F811
    args = json.dumps({"profile": prof})
    return subprocess.Popen(
        [sb.bin, "run", prof, "--files", *flags, "--", sys.executable, "-c", OPTIM_JOB, args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=sb.env,
        cwd=sb.home,
        **kw,
    )


def test_optimisation_needing_client_sdk_runs_without_a_device_login(
    sb: SimaiSandbox, coreml_3_16  # noqa: F811
):
    prof = optim_setup(sb, coreml_3_16)
    sb.simcred(
        "offline-token", prof, "--client", "sdk", "--password", "--username", "demo@example.com",
        stdin="demo-password\n\n",
    )
    before = device_requests(coreml_3_16)
    proc = run_optim(sb, prof, "--client", "sdk")
    out, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0, f"the job failed:\n{err}"
    report = json.loads(out.strip().splitlines()[-1])
    # The server accepted the token: one of client sdk, as the model needs.
    assert report == {"id": report["id"], "state": "successful", "client": "sdk"}, report
    assert "Requesting a new token" not in err, err
    assert device_requests(coreml_3_16) == before, "the SDK signed in by itself"
    # status names the client the profile holds an offline token for.
    st = sb.simcred_json("status")
    mine = next(p for p in st["profiles"] if p["name"] == prof)
    assert [t["client_id"] for t in mine["offline_tokens"]] == ["sdk"], mine


def test_without_the_sdk_clients_token_run_says_so_before_the_job_starts(
    sb: SimaiSandbox, coreml_3_16  # noqa: F811
):
    prof = optim_setup(sb, coreml_3_16)
    sign_in_offline(sb, prof)  # the SDK's own client only
    before = device_requests(coreml_3_16)
    proc = run_optim(sb, prof, "--client", "sdk")
    out, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode != 0, out
    assert "job started" not in err, "the job must not start"
    assert "no offline token of client sdk" in err, err
    assert f"simcred offline-token {prof} --client sdk" in err, err
    assert device_requests(coreml_3_16) == before


def test_with_the_other_clients_token_the_sdk_signs_in_by_itself(
    sb: SimaiSandbox, coreml_3_16  # noqa: F811
):
    """Why `--client` exists: handed the com.ansys.simai.sdk token, the SDK starts a device
    login of client `sdk` in the middle of the job (killed here once the sandbox sees it)."""
    prof = optim_setup(sb, coreml_3_16)
    sign_in_offline(sb, prof)
    before = len(device_requests(coreml_3_16))
    proc = run_optim(sb, prof, start_new_session=True)
    try:
        deadline = time.monotonic() + TIMEOUT
        while device_requests(coreml_3_16)[before:] != ["sdk"]:
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"no device login seen:\n{proc.communicate(timeout=TIMEOUT)[1]}")
            time.sleep(0.1)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=TIMEOUT)
