"""Harness for the desktop app's end-to-end tests.

The real app (SIMCRED_APP) runs in the X display given by DISPLAY, driven through tauri-driver
and WebKitWebDriver with selenium; the real Secret Service answers on the session bus; a loopback
sandbox (`simcred sandbox`) stands in for the vendors. Every test uses a private profiles dir
(SIMCRED_CONFIG_DIR, passed to tauri-driver so the app inherits it) and unique profile names
(the keyring is shared). No fixed sleeps: every wait polls with a deadline.

Run through scripts/e2e.sh (which makes the virtualenv) inside scripts/test.sh's session.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import (
    ElementClickInterceptedException,
    ElementNotInteractableException,
    NoSuchElementException,
    StaleElementReferenceException,
    WebDriverException,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.remote.client_config import ClientConfig
from selenium.webdriver.remote.file_detector import UselessFileDetector
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = Path(__file__).resolve().parents[2]
SIMCRED_BIN = Path(os.environ.get("SIMCRED_BIN", ROOT / "target" / "debug" / "simcred"))
SIMCRED_APP = Path(os.environ.get("SIMCRED_APP", ROOT / "target" / "debug" / "simcred-app"))
SCREENSHOTS = ROOT / "docs" / "screenshots"
WAIT = 20  # seconds, the default deadline of a UI wait


def unique(prefix: str) -> str:
    """A profile or key name no other test (or earlier run) uses."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def secret(prefix: str = "ak-") -> str:
    """A fake key value, long enough to have a masked tail."""
    return f"{prefix}{uuid.uuid4().hex}{uuid.uuid4().hex[:8]}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(what: str, fn, timeout: float = WAIT, every: float = 0.1):
    """Polls fn until it returns something truthy; fails with `what` at the deadline."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while time.monotonic() < deadline:
        try:
            v = fn()
            if v:
                return v
        except (StaleElementReferenceException, NoSuchElementException) as e:
            last_exc = e
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}" + (f" ({last_exc})" if last_exc else ""))


def clipboard() -> str | None:
    """The X clipboard's text, or None when it holds nothing."""
    out = subprocess.run(["xclip", "-selection", "clipboard", "-o"], capture_output=True, timeout=10)
    return out.stdout.decode(errors="replace") if out.returncode == 0 else None


# ---- sandbox --------------------------------------------------------------------------------


class Sandbox:
    def __init__(self, url: str):
        self.url = url
        self.simai_api_url = f"{url}/v2/"
        self.modelon_url = f"{url}/modelon/"

    def post(self, path: str, body: dict | None = None) -> dict:
        data = json.dumps(body or {}).encode()
        req = urllib.request.Request(
            f"{self.url}{path}", data=data, method="POST", headers={"content-type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=10) as r:
            text = r.read().decode()
        return json.loads(text) if text.strip() else {}

    def fault(self, name: str) -> None:
        self.post("/_sandbox/fault", {"fault": name})

    def approve_latest(self) -> str | None:
        return self.post("/_sandbox/simai/approve-latest").get("user_code")

    def regenerate_modelon_key(self) -> str:
        return self.post("/_sandbox/modelon/regenerate")["key"]

    def dlubal(self) -> dict:
        """The Dlubal gRPC server's ports, its TLS CA and request counters."""
        with urllib.request.urlopen(f"{self.url}/_sandbox/dlubal", timeout=10) as r:
            return json.loads(r.read().decode())

    def add_dlubal_key(self, key: str, limited: bool = False) -> None:
        self.post("/_sandbox/dlubal/keys", {"key": key, "limited": limited})


@pytest.fixture(scope="session")
def sandbox():
    p = subprocess.Popen(
        [str(SIMCRED_BIN), "sandbox"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        ready, _, _ = select.select([p.stdout], [], [], 20)
        assert ready, "`simcred sandbox` printed no URL within 20 s"
        line = p.stdout.readline().strip()
        assert line.startswith("SIMCRED_SANDBOX_URL="), line
        yield Sandbox(line.split("=", 1)[1])
    finally:
        p.terminate()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()


# ---- the CLI ----------------------------------------------------------------------------------


class Cli:
    def __init__(self, config_dir: Path):
        self.config_dir = config_dir

    def env(self) -> dict:
        e = dict(os.environ)
        e["SIMCRED_CONFIG_DIR"] = str(self.config_dir)
        return e

    def run(self, *args: str, input: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        out = subprocess.run(
            [str(SIMCRED_BIN), *args], input=input, capture_output=True, text=True, env=self.env(), timeout=60
        )
        if check and out.returncode != 0:
            raise AssertionError(f"simcred {' '.join(args)} failed ({out.returncode}): {out.stderr}")
        return out

    def json(self, *args: str, check: bool = True):
        return json.loads(self.run(*args, check=check).stdout)

    def status(self) -> dict:
        """`simcred status --json`, whatever its exit code: it is 1 when any profile in the
        shared store needs attention, which other tests' profiles may (a key another test's
        sandbox regenerated turns invalid at the next Refresh)."""
        return self.json("status", "--json", check=False)


@pytest.fixture(scope="session")
def store(tmp_path_factory) -> Path:
    """The profiles dir the app and the CLI share for this run."""
    return tmp_path_factory.mktemp("simcred-config")


@pytest.fixture(scope="session")
def cli(store) -> Cli:
    return Cli(store)


# ---- the app ----------------------------------------------------------------------------------


def _app_pids() -> list[int]:
    """Running processes of SIMCRED_APP (read from /proc; nothing is signalled)."""
    target = str(SIMCRED_APP.resolve())
    pids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if os.readlink(d / "exe") == target:
                    pids.append(int(d.name))
            except OSError:
                pass
    return pids


# The name the app's single-instance plugin holds on the session bus while an instance runs.
SINGLE_INSTANCE_NAME = "dev.simcred.app.SingleInstance"


def _instance_name_free() -> bool:
    """Whether no app instance holds the single-instance name on this session bus any more.

    An app started while the bus still lists an instance that is exiting tries to hand its
    arguments over, finds nobody and exits ("failed to forward arguments to the running
    instance"); WebKitWebDriver then waits for it forever."""
    out = subprocess.run(
        ["dbus-send", "--session", "--print-reply=literal", "--dest=org.freedesktop.DBus", "/",
         "org.freedesktop.DBus.NameHasOwner", f"string:{SINGLE_INSTANCE_NAME}"],
        capture_output=True, text=True, timeout=10,
    )
    return out.returncode == 0 and out.stdout.split()[-1:] == ["false"]


def _descendants(root: int) -> list[int]:
    """PIDs started (directly or not) by process `root`, read from /proc."""
    parent = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
                parent[int(d.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                pass
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parent.items() if pp == p]
        out += kids
        todo += kids
    return out


def _end_our_app(driver_pid: int) -> None:
    """WebKitWebDriver does not always end the app when the session is deleted; end the app
    this harness started (found below our tauri-driver, by PID), gently first."""
    ours = [p for p in _descendants(driver_pid) if p in _app_pids()]
    deadline = time.monotonic() + 5
    while ours and time.monotonic() < deadline:
        ours = [p for p in ours if p in _app_pids()]
        time.sleep(0.1)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for p in ours:
            with contextlib.suppress(ProcessLookupError):
                os.kill(p, sig)
        deadline = time.monotonic() + 5
        while ours and time.monotonic() < deadline:
            ours = [p for p in ours if p in _app_pids()]
            time.sleep(0.1)
        if not ours:
            return


class App:
    """The running app, and helpers that find things by data-testid."""

    def __init__(self, driver: webdriver.Remote, log: Path):
        self.driver = driver
        self.log = log

    # finding
    def q(self, testid: str):
        return self.driver.find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"]')

    def qs(self, testid_prefix: str):
        return self.driver.find_elements(By.CSS_SELECTOR, f'[data-testid^="{testid_prefix}"]')

    def exists(self, testid: str) -> bool:
        return bool(self.driver.find_elements(By.CSS_SELECTOR, f'[data-testid="{testid}"]'))

    def wait(self, testid: str, timeout: float = WAIT, visible: bool = True):
        def find():
            els = self.driver.find_elements(By.CSS_SELECTOR, f'[data-testid="{testid}"]')
            for el in els:
                if not visible or el.is_displayed():
                    return el
            return None

        return wait_until(f'element "{testid}"', find, timeout)

    def wait_gone(self, testid: str, timeout: float = WAIT):
        wait_until(f'"{testid}" to disappear', lambda: not self.exists(testid), timeout)

    def wait_text(self, testid: str, contains: str, timeout: float = WAIT) -> str:
        def check():
            for el in self.driver.find_elements(By.CSS_SELECTOR, f'[data-testid="{testid}"]'):
                t = el.text
                if contains in t:
                    return t
            return None

        try:
            return wait_until(f'"{contains}" in "{testid}"', check, timeout)
        except AssertionError:
            texts = [e.text for e in self.driver.find_elements(By.CSS_SELECTOR, f'[data-testid="{testid}"]')]
            raise AssertionError(f'"{contains}" never appeared in {testid}; it shows {texts!r}') from None

    def attr(self, testid: str, name: str) -> str | None:
        return self.q(testid).get_attribute(name)

    # acting
    def click(self, testid: str, timeout: float = WAIT):
        """Clicks once the element is shown and enabled; re-finds it if the UI re-rendered it
        (or something briefly covered it) in between."""
        deadline = time.monotonic() + timeout
        while True:
            el = self.wait(testid, max(0.5, deadline - time.monotonic()))
            try:
                if el.is_enabled():
                    self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
                    el.click()
                    return el
            except (
                StaleElementReferenceException,
                ElementNotInteractableException,
                ElementClickInterceptedException,
            ):
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f'could not click "{testid}" within {timeout} s')
            time.sleep(0.1)

    def type(self, testid: str, text: str):
        el = self.wait(testid)
        el.clear()
        el.send_keys(text)
        return el

    def choose(self, testid: str, value: str):
        Select(self.wait(testid)).select_by_value(value)

    def refresh(self):
        """Presses Refresh (which asks every service) and waits for the answers to be shown."""
        self.click("refresh")
        wait_until(
            "the refresh to finish",
            lambda: self.q("refresh").get_attribute("aria-busy") is None
            and self.q("last-refresh").text.startswith("Updated"),
            timeout=60,
        )

    def select_profile(self, name: str):
        # click() scrolls the item into the list's view and retries when a refresh re-rendered it.
        self.click(f"profile-item-{name}")
        self.wait_text("detail-name", name)

    def message(self, contains: str, timeout: float = WAIT) -> str:
        return self.wait_text("message-text", contains, timeout)

    def badge(self, name: str) -> str:
        return self.q(f"badge-{name}").get_attribute("data-kind")

    def wait_badge(self, name: str, kind: str, timeout: float = WAIT):
        def check():
            try:
                return self.badge(name) == kind
            except NoSuchElementException:
                return False

        try:
            wait_until(f"badge of {name} to be {kind}", check, timeout)
        except AssertionError:
            shown = self.badge(name) if self.exists(f"badge-{name}") else "(no badge)"
            raise AssertionError(f"badge of {name} is {shown}, expected {kind}") from None

    def dismiss_message(self):
        """Closes the message bar, so it covers nothing in a screenshot."""
        if self.exists("message") and self.q("message").is_displayed():
            if self.driver.find_elements(By.CSS_SELECTOR, "dialog[open]"):
                # Behind a modal dialog the page is inert: hide it the way its ✕ button does.
                self.driver.execute_script("document.getElementById('toast').hidden = true")
            else:
                self.driver.find_element(By.ID, "toast-close").click()
            wait_until("the message to close", lambda: not self.q("message").is_displayed())

    def show_section(self, testid: str):
        """Scrolls a section to the top of the detail pane, without a message over it."""
        self.dismiss_message()
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", self.q(testid))

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / name
        assert self.driver.save_screenshot(str(path)), f"could not save {path}"
        return path

    def page_source(self) -> str:
        return self.driver.page_source


@contextlib.contextmanager
def launch_app(
    config_dir: Path | None,
    extra_env: dict | None = None,
    application: Path | None = None,
    drop_env: tuple[str, ...] = (),
):
    """Starts tauri-driver and a WebDriver session running the app; quits both afterwards.

    `application` is what tauri-driver starts (default SIMCRED_APP; a script that ends up running
    SIMCRED_APP with its arguments works too); `drop_env` names variables the app must not get;
    with no `config_dir` the app uses its default profiles dir under HOME."""
    assert SIMCRED_APP.exists(), f"{SIMCRED_APP} is missing; build it: cargo build -p simcred-app"
    try:
        wait_until(
            "an earlier app instance to exit and leave the bus (single instance)",
            lambda: not _app_pids() and _instance_name_free(),
            30,
        )
    except AssertionError:
        for pid in _app_pids():
            tasks = Path(f"/proc/{pid}/task")
            threads = [
                f"{(t / 'comm').read_text().strip()}:{(t / 'wchan').read_text().strip()}"
                for t in tasks.iterdir()
            ]
            print(f"app {pid} still running; threads: {threads}")
        raise
    port, native_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in drop_env}
    env.update({"SIMCRED_NO_BROWSER": "1", "SIMCRED_CLIPBOARD_CLEAR_AFTER": "30"})
    if config_dir is not None:
        env["SIMCRED_CONFIG_DIR"] = str(config_dir)
    env.update(extra_env or {})
    log = Path(tempfile.mkstemp(prefix="simcred-tauri-driver-", suffix=".log")[1])
    with open(log, "wb") as logf:
        driver_proc = subprocess.Popen(
            ["tauri-driver", "--port", str(port), "--native-port", str(native_port)],
            env=env,
            stdout=logf,
            stderr=subprocess.STDOUT,
        )
    driver = None
    try:

        def listening():
            # tauri-driver listens at once but starts WebKitWebDriver (the native port) a moment
            # later; a session requested before that fails with "client error (Connect)".
            for p in (port, native_port):
                with socket.socket() as s:
                    if s.connect_ex(("127.0.0.1", p)) != 0:
                        return False
            return True

        wait_until("tauri-driver and WebKitWebDriver to listen", listening, 20)
        opts = ArgOptions()
        opts.set_capability("browserName", "wry")
        opts.set_capability("tauri:options", {"application": str(application or SIMCRED_APP)})
        # A bounded wait for every WebDriver request: an app that exits at start (WebKitWebDriver
        # then never gets its window) fails the test with the driver's log instead of hanging.
        url = f"http://127.0.0.1:{port}"
        driver = webdriver.Remote(
            command_executor=url, options=opts, client_config=ClientConfig(remote_server_addr=url, timeout=120)
        )
        # Text typed into a field is text, even when it names a file here (a CA bundle's path):
        # Selenium's default would try to upload that file, which WebKitWebDriver cannot.
        driver.file_detector = UselessFileDetector()
        app = App(driver, log)
        wait_until(
            "the UI to be ready",
            lambda: driver.execute_script("return document.body && document.body.dataset.ready === 'true'"),
            30,
        )
        yield app
    except Exception:
        print(f"--- tauri-driver log ({log}) ---\n{log.read_text(errors='replace')[-4000:]}")
        raise
    finally:
        if driver is not None:
            with contextlib.suppress(WebDriverException):
                driver.quit()
        _end_our_app(driver_proc.pid)
        driver_proc.terminate()
        try:
            driver_proc.wait(10)
        except subprocess.TimeoutExpired:
            driver_proc.kill()
            driver_proc.wait(5)


@pytest.fixture(scope="module")
def app(store):
    """One app per test module, sharing the session's store; copied keys clear after 3 s."""
    with launch_app(store, {"SIMCRED_CLIPBOARD_CLEAR_AFTER": "3"}) as a:
        yield a


@pytest.fixture
def healed(sandbox):
    """Makes sure the sandbox serves normally again after the test."""
    sandbox.fault("none")
    yield sandbox
    sandbox.fault("none")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, keep a screenshot of the app in target/e2e-failures/ for the post-mortem."""
    outcome = yield
    rep = outcome.get_result()
    if rep.when == "call" and rep.failed:
        a = item.funcargs.get("app")
        if isinstance(a, App):
            d = ROOT / "target" / "e2e-failures"
            d.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(Exception):
                a.driver.save_screenshot(str(d / f"{item.name}.png"))
