"""Benchmark (not a test): time from launching the desktop app to the profile list painted, with
1 and 1,000 profiles, the resident memory after that, and the binary's size.

Run by scripts/bench-app.sh (release build, Xvfb, private D-Bus + gnome-keyring). Prints a
Markdown table. Launch time is measured from the WebDriver "new session" request (which starts
the app) to `document.body.dataset.ready`, set by the UI after its first profile list render.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from conftest import SIMCRED_APP, _descendants, _end_our_app, free_port  # noqa: E402
from selenium import webdriver  # noqa: E402
from selenium.webdriver.common.options import ArgOptions  # noqa: E402


def write_profiles(config: Path, n: int) -> None:
    config.mkdir(parents=True, exist_ok=True)
    parts = []
    for i in range(n):
        parts.append(
            f'[profiles.p{i}]\nservice = "dlubal"\ndefault_key = "main"\n\n'
            f'[profiles.p{i}.keys.main]\ncreated = "2026-01-01T00:00:00Z"\nlast4 = "6789"\nstatus = "valid"\n'
        )
    (config / "profiles.toml").write_text("\n".join(parts))


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def one_run(n: int) -> tuple[float, int, int]:
    config = Path(tempfile.mkdtemp(prefix="simcred-bench-"))
    write_profiles(config, n)
    port, native = free_port(), free_port()
    env = dict(os.environ, SIMCRED_CONFIG_DIR=str(config), SIMCRED_NO_BROWSER="1")
    drv = subprocess.Popen(
        ["tauri-driver", "--port", str(port), "--native-port", str(native)],
        env=env,
        stdout=open(config / "tauri-driver.log", "wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            up = 0
            for p in (port, native):
                with socket.socket() as s:
                    up += s.connect_ex(("127.0.0.1", p)) == 0
            if up == 2:
                break
            time.sleep(0.02)
        opts = ArgOptions()
        opts.set_capability("browserName", "wry")
        opts.set_capability("tauri:options", {"application": str(SIMCRED_APP)})
        t0 = time.monotonic()
        try:
            d = webdriver.Remote(command_executor=f"http://127.0.0.1:{port}", options=opts)
        except Exception:
            print((config / "tauri-driver.log").read_text(errors="replace")[-3000:], file=sys.stderr)
            raise
        while not d.execute_script("return document.body && document.body.dataset.ready === 'true'"):
            time.sleep(0.005)
        elapsed = time.monotonic() - t0
        items = d.execute_script("return document.querySelectorAll('[data-testid^=\"profile-item-\"]').length")
        assert items == n, f"{items} profiles painted, expected {n}"
        app = [p for p in _descendants(drv.pid) if os.path.exists(f"/proc/{p}/exe") and os.readlink(f"/proc/{p}/exe") == str(SIMCRED_APP.resolve())]
        app_rss = sum(rss_kib(p) for p in app)
        web_rss = 0
        for p in app:
            for c in _descendants(p):
                try:
                    if "WebKit" in Path(f"/proc/{c}/comm").read_text():
                        web_rss += rss_kib(c)
                except OSError:
                    pass
        d.quit()
        return elapsed, app_rss, web_rss
    finally:
        _end_our_app(drv.pid)
        drv.terminate()
        drv.wait(10)


def main() -> None:
    print("| profiles | launch → list painted (median of 5) | app RSS | + WebKit processes RSS |")
    print("|---:|---:|---:|---:|")
    for n in (1, 1000):
        runs = sorted(one_run(n) for _ in range(5))
        t, app, web = runs[len(runs) // 2]
        print(f"| {n} | {t * 1000:.0f} ms | {app / 1024:.0f} MiB | {web / 1024:.0f} MiB |")
    release = Path(os.environ.get("SIMCRED_APP_RELEASE", SIMCRED_APP))
    size = release.stat().st_size
    print(f"\nRelease binary `{release.name}`: {size / 1024 / 1024:.1f} MiB (stripped). Timing and memory above: {SIMCRED_APP}.")


if __name__ == "__main__":
    main()
