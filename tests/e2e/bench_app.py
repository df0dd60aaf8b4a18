"""Benchmark (not a test): SimCred's desktop app against a minimal Tauri app, both release builds.

Run by scripts/bench-app.sh (which builds both apps, and runs this in Xvfb with a private D-Bus
session and an unlocked gnome-keyring). The apps are launched alternately, each through its own
tauri-driver + WebKitWebDriver. For every launch:

- paint: from the WebDriver "new session" request (which starts the app) to the performance mark
  `simcred:painted`, which both pages set in a timer queued by the animation frame after their
  list is in the DOM, i.e. once that frame is painted. The page's clock is turned into wall time
  with `performance.timeOrigin`, so the polling below adds nothing to the number.
- navigation: from the same request to the page's navigation start (process start, GTK, WebKit
  processes, the webview), and DOMContentLoaded, to show where the time goes.
- memory: the summed PSS (/proc/PID/smaps_rollup) of the app and all its descendants (the WebKit
  web and network processes), read as soon as the paint mark is seen.

Prints Markdown: medians per app and the ratios SimCred / minimal. BENCH_SIMCRED_ENV
("NAME=VALUE NAME=VALUE") adds variables to SimCred's launches only, to try a start-up setting
(e.g. WEBKIT_SKIA_ENABLE_CPU_RENDERING=1) against the unchanged minimal app.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from conftest import _descendants, free_port  # noqa: E402
from selenium import webdriver  # noqa: E402
from selenium.webdriver.common.options import ArgOptions  # noqa: E402

SIMCRED_APP = Path(os.environ["SIMCRED_APP"]).resolve()
MINIMAL_APP = Path(os.environ["MINIMAL_APP"]).resolve()

READ_MARKS = """
const m = performance.getEntriesByName('simcred:painted')[0];
if (!m) return null;
const nav = performance.getEntriesByType('navigation')[0];
return {
  origin: performance.timeOrigin,
  painted: m.startTime,
  dcl: nav ? nav.domContentLoadedEventEnd : null,
  items: document.querySelectorAll('[data-testid^="profile-item-"]').length,
};
"""


def write_profiles(config: Path, n: int) -> None:
    config.mkdir(parents=True, exist_ok=True)
    parts = []
    for i in range(n):
        parts.append(
            f'[profiles.p{i}]\nservice = "dlubal"\ndefault_key = "main"\n\n'
            f'[profiles.p{i}.keys.main]\ncreated = "2026-01-01T00:00:00Z"\nlast4 = "6789"\nstatus = "valid"\n'
        )
    (config / "profiles.toml").write_text("\n".join(parts))


def pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def exe_of(pid: int) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return None


def one_launch(app: Path, profiles: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="simcred-bench-"))
    write_profiles(work / "config", profiles)
    port, native = free_port(), free_port()
    env = dict(os.environ, SIMCRED_CONFIG_DIR=str(work / "config"), SIMCRED_NO_BROWSER="1")
    if app == SIMCRED_APP:
        env.update(kv.split("=", 1) for kv in os.environ.get("BENCH_SIMCRED_ENV", "").split() if "=" in kv)
    log = open(work / "tauri-driver.log", "wb")
    drv = subprocess.Popen(
        ["tauri-driver", "--port", str(port), "--native-port", str(native)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    d = None
    try:
        deadline = time.monotonic() + 20
        while True:
            up = 0
            for p in (port, native):
                with socket.socket() as s:
                    up += s.connect_ex(("127.0.0.1", p)) == 0
            if up == 2:
                break
            if time.monotonic() > deadline:
                raise RuntimeError("tauri-driver did not listen within 20 s")
            time.sleep(0.02)
        opts = ArgOptions()
        opts.set_capability("browserName", "wry")
        opts.set_capability("tauri:options", {"application": str(app)})
        t0 = time.time()
        try:
            d = webdriver.Remote(command_executor=f"http://127.0.0.1:{port}", options=opts)
        except Exception:
            print((work / "tauri-driver.log").read_text(errors="replace")[-3000:], file=sys.stderr)
            raise
        deadline = time.monotonic() + 30
        while (marks := d.execute_script(READ_MARKS)) is None:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{app.name} set no paint mark within 30 s")
            time.sleep(0.01)
        procs = [p for p in _descendants(drv.pid) if exe_of(p) == str(app)]
        assert len(procs) == 1, f"expected one {app.name} process, found {procs}"
        tree = procs + _descendants(procs[0])
        pss = sum(pss_kib(p) for p in tree)
        assert marks["items"] >= 1, f"{app.name} painted no list item"
        origin = marks["origin"] / 1000
        return {
            "paint": origin + marks["painted"] / 1000 - t0,
            "navigation": origin - t0,
            "dcl": marks["dcl"] / 1000 if marks["dcl"] is not None else float("nan"),
            "pss": pss / 1024,
            "processes": len(tree),
            "items": marks["items"],
        }
    finally:
        if d is not None:
            try:
                d.quit()
            except Exception:
                pass
        for p in _descendants(drv.pid):
            if exe_of(p) == str(app):
                try:
                    os.kill(p, 15)
                except ProcessLookupError:
                    pass
        drv.terminate()
        drv.wait(10)
        log.close()
        # The single-instance lock of the app: wait until the process has really gone.
        deadline = time.monotonic() + 10
        while any(exe_of(int(p.name)) == str(app) for p in Path("/proc").iterdir() if p.name.isdigit()):
            if time.monotonic() > deadline:
                break
            time.sleep(0.02)


def med(rows: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    # One launch of each to warm the page cache; not counted.
    one_launch(SIMCRED_APP, 1)
    one_launch(MINIMAL_APP, 1)
    rows: dict[str, list[dict]] = {"simcred": [], "minimal": []}
    for i in range(runs):
        order = [("simcred", SIMCRED_APP), ("minimal", MINIMAL_APP)]
        for name, app in order if i % 2 == 0 else reversed(order):
            r = one_launch(app, 1)
            rows[name].append(r)
            print(
                f"  {name:8} paint {r['paint'] * 1000:6.0f} ms  navigation start {r['navigation'] * 1000:5.0f} ms"
                f"  DCL +{r['dcl'] * 1000:4.0f} ms  PSS {r['pss']:5.1f} MiB ({r['processes']} processes)",
                file=sys.stderr,
            )
    # 1,000 profiles against one, side by side: alternating launches of SimCred.
    big, small = [], []
    for i in range(5):
        for n in (1, 1000) if i % 2 == 0 else (1000, 1):
            (big if n == 1000 else small).append(one_launch(SIMCRED_APP, n))

    extra = os.environ.get("BENCH_SIMCRED_ENV", "").strip()
    print(f"\n{runs} launches of each, alternating; medians:" + (f" (SimCred with {extra})" if extra else "") + "\n")
    print("| app | session request → list painted | → navigation start | navigation → DOMContentLoaded | PSS, app + WebKit processes |")
    print("|---|---:|---:|---:|---:|")
    for name, label in (("minimal", "minimal Tauri app"), ("simcred", "SimCred, 1 profile")):
        r = rows[name]
        print(
            f"| {label} | {med(r, 'paint') * 1000:.0f} ms | {med(r, 'navigation') * 1000:.0f} ms"
            f" | {med(r, 'dcl') * 1000:.0f} ms | {med(r, 'pss'):.0f} MiB |"
        )
    print(
        f"| SimCred, 1,000 profiles (5 launches) | {med(big, 'paint') * 1000:.0f} ms | {med(big, 'navigation') * 1000:.0f} ms"
        f" | {med(big, 'dcl') * 1000:.0f} ms | {med(big, 'pss'):.0f} MiB |"
    )
    paint = med(rows["simcred"], "paint") / med(rows["minimal"], "paint")
    pss = med(rows["simcred"], "pss") / med(rows["minimal"], "pss")
    print(f"\nRatios SimCred / minimal: paint {paint:.2f}× (target ≤ 1.20×), memory {pss:.2f}× (target ≤ 1.15×)")
    many = med(big, "paint") / med(small, "paint")
    print(
        f"1,000 profiles / 1 profile (5 launches each, alternating): paint {many:.2f}× (target ≤ 1.20×;"
        f" {med(big, 'paint') * 1000:.0f} ms against {med(small, 'paint') * 1000:.0f} ms)"
    )
    size = SIMCRED_APP.stat().st_size / 1024 / 1024
    msize = MINIMAL_APP.stat().st_size / 1024 / 1024
    print(f"Release binaries (stripped): simcred-app {size:.1f} MiB, minimal {msize:.1f} MiB")


if __name__ == "__main__":
    main()
