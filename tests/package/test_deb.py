"""The Debian package as a user gets it: what it holds, its .desktop entry, and the CLI and the app
started from the unpacked tree (not from target/).

Run by scripts/check-deb.sh, which unpacks the package with `dpkg-deb -x` and points
SIMCRED_DEB_ROOT, SIMCRED_BIN and SIMCRED_APP into that tree, inside a D-Bus session with an
unlocked gnome-keyring and an X display (scripts/test.sh's session).
"""

from __future__ import annotations

import gzip
import importlib.util
import os
import re
import stat
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEB = Path(os.environ["SIMCRED_DEB"])
TREE = Path(os.environ["SIMCRED_DEB_ROOT"])

# The e2e harness (tauri-driver + WebKitWebDriver), loaded under its own name; it reads
# SIMCRED_APP and SIMCRED_BIN, which check-deb.sh points into the unpacked tree.
_spec = importlib.util.spec_from_file_location("simcred_e2e_harness", ROOT / "tests" / "e2e" / "conftest.py")
harness = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(harness)

WANTED = {
    "usr/bin/simcred-app": 0o755,
    "usr/bin/simcred": 0o755,
    "usr/share/applications/simcred.desktop": 0o644,
    "usr/share/icons/hicolor/scalable/apps/simcred-app.svg": 0o644,
    "usr/share/icons/hicolor/32x32/apps/simcred-app.png": 0o644,
    "usr/share/icons/hicolor/128x128/apps/simcred-app.png": 0o644,
    "usr/share/icons/hicolor/512x512/apps/simcred-app.png": 0o644,
    "usr/share/man/man1/simcred.1.gz": 0o644,
    "usr/share/bash-completion/completions/simcred": 0o644,
    "usr/share/zsh/vendor-completions/_simcred": 0o644,
    "usr/share/fish/vendor_completions.d/simcred.fish": 0o644,
}


def run(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), capture_output=True, text=True, env=env, timeout=timeout)


def listing() -> dict[str, str]:
    """`dpkg-deb -c`: path → mode string (e.g. -rwxr-xr-x), for regular files."""
    out = run("dpkg-deb", "-c", str(DEB))
    assert out.returncode == 0, out.stderr
    files = {}
    for line in out.stdout.splitlines():
        parts = line.split()
        if parts and parts[0].startswith("-"):
            files[parts[-1].removeprefix("./")] = parts[0]
    return files


def test_package_holds_app_cli_desktop_entry_icons_man_page_and_completions():
    files = listing()
    for path, mode in WANTED.items():
        assert path in files, f"{path} is not in {DEB.name}; it has {sorted(files)}"
        assert files[path] == stat.filemode(stat.S_IFREG | mode), f"{path} is {files[path]}"
    fields = run("dpkg-deb", "-f", str(DEB), "Package", "Version", "Depends").stdout
    assert "Package: simcred\n" in fields
    version = run(str(TREE / "usr/bin/simcred"), "--version").stdout.split()[-1]
    assert f"Version: {version}\n" in fields
    assert "libwebkit2gtk-4.1-0" in fields


def test_desktop_entry_is_valid_and_starts_the_packaged_app():
    entry = TREE / "usr/share/applications/simcred.desktop"
    out = run("desktop-file-validate", str(entry))
    # Clean: no errors, warnings or hints.
    assert out.returncode == 0 and not out.stdout.strip() and not out.stderr.strip(), out.stdout + out.stderr
    text = entry.read_text()
    exec_line = re.search(r"^Exec=(\S+)", text, re.M)
    icon_line = re.search(r"^Icon=(\S+)", text, re.M)
    assert exec_line and (TREE / "usr/bin" / exec_line.group(1)).is_file(), text
    assert icon_line and (TREE / f"usr/share/icons/hicolor/scalable/apps/{icon_line.group(1)}.svg").is_file(), text


def test_man_page_and_completions_are_the_cli_s_own():
    cli = str(TREE / "usr/bin/simcred")
    man = gzip.decompress((TREE / "usr/share/man/man1/simcred.1.gz").read_bytes()).decode()
    assert man == run(cli, "man").stdout
    assert ".TH simcred 1" in man, man[:200]
    for shell, path in (
        ("bash", "usr/share/bash-completion/completions/simcred"),
        ("zsh", "usr/share/zsh/vendor-completions/_simcred"),
        ("fish", "usr/share/fish/vendor_completions.d/simcred.fish"),
    ):
        packaged = (TREE / path).read_text()
        assert packaged == run(cli, "completions", shell).stdout, f"{path} differs from `simcred completions {shell}`"
        assert "profile" in packaged and "key" in packaged


def test_installed_cli_runs_from_the_unpacked_tree(tmp_path):
    cli = str(TREE / "usr/bin/simcred")
    out = run(cli, "--version")
    assert out.returncode == 0 and re.fullmatch(r"simcred \d+\.\d+\.\d+\n", out.stdout), out
    env = dict(os.environ, SIMCRED_CONFIG_DIR=str(tmp_path / "config"))
    out = run(cli, "status", env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "No profiles yet" in out.stdout, out.stdout
    assert "NOT reachable" not in out.stdout, "the keyring of this session should answer"


def test_installed_app_opens_its_window_with_the_embedded_ui(tmp_path):
    """The unpacked simcred-app, started through WebDriver: a window titled SimCred whose page is
    the UI embedded in the binary (the first-run welcome screen, as the store is empty)."""
    assert harness.SIMCRED_APP == TREE / "usr/bin/simcred-app", harness.SIMCRED_APP
    with harness.launch_app(tmp_path / "config") as app:
        assert app.driver.title == "SimCred"
        assert app.driver.current_url.startswith("tauri://localhost"), app.driver.current_url
        app.wait("welcome")
        app.wait("welcome-sandbox")
        size = app.driver.get_window_size()
        assert size["width"] >= 720 and size["height"] >= 480, size
