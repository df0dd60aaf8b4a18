"""Audit: the plaintext credentials vendors' tools leave behind, shown in the app with what to do
about each; "Import and remove plaintext" moves the key file into the keyring and deletes it, and
leaves the shell start-up line (which SimCred does not edit) to be removed by hand.

The app runs with a HOME (and XDG dirs) of its own, so what it audits is only what this test
plants, and with a store of its own, so no other test's exported files show up."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from conftest import Cli, clipboard, launch_app, secret, wait_until

SHELL_VAR = "MODELON_IMPACT_CLIENT_API_KEY"


class HomeCli(Cli):
    """The CLI with the same HOME and XDG dirs as the app under test."""

    def __init__(self, config_dir: Path, home_env: dict):
        super().__init__(config_dir)
        self.home_env = home_env

    def env(self) -> dict:
        e = super().env()
        e.update(self.home_env)
        return e


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("audit-home")


@pytest.fixture(scope="module")
def home_env(home) -> dict:
    return {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
    }


@pytest.fixture(scope="module")
def own(tmp_path_factory, home_env) -> HomeCli:
    return HomeCli(tmp_path_factory.mktemp("simcred-audit"), home_env)


def findings(app) -> list[dict]:
    """The rows of the open Audit dialog: advice, location and text."""
    rows = app.driver.find_elements(By.CSS_SELECTOR, '[data-testid="audit-dialog"] [data-testid="audit-finding"]')
    return [
        {
            "advice": r.get_attribute("data-advice"),
            "kind": r.get_attribute("data-kind"),
            "path": r.find_element(By.CSS_SELECTOR, '[data-testid="audit-path"]').text,
            "text": r.text,
        }
        for r in rows
    ]


def open_audit(app):
    app.click("audit")
    app.wait("audit-dialog")
    wait_until("the audit to be listed", lambda: app.exists("audit-clean") or findings(app))


def close_audit(app):
    app.click("audit-close")
    app.wait_gone("audit-dialog")


def test_audit_clean_then_import_and_remove(own, home, home_env):
    with launch_app(own.config_dir, home_env) as app:
        # Nothing planted yet: the dialog says so, and offers no import.
        assert app.attr("audit", "aria-label")
        open_audit(app)
        app.wait_text("audit-clean", "No plaintext credentials found.")
        assert not findings(app)
        assert not app.q("audit-import").is_displayed()
        close_audit(app)

        # A vendor's key file, and a shell start-up line exporting the key.
        key_file = home / ".impact" / "api.key"
        key_file.parent.mkdir(parents=True)
        value = secret("ak-")
        key_file.write_text(value)
        bashrc = home / ".bashrc"
        bashrc.write_text(f"# my settings\nexport {SHELL_VAR}={secret('ak-')}\n")

        open_audit(app)
        wait_until("two findings", lambda: len(findings(app)) == 2)
        by_path = {f["path"]: f for f in findings(app)}
        imp = by_path[str(key_file)]
        rem = by_path[f"{bashrc}:2"]
        assert imp["advice"] == "import"
        assert rem["advice"] == "remove" and rem["kind"] == "remove-line"
        assert "Remove this line" in rem["text"]
        assert f"{SHELL_VAR} is set to a secret" in rem["text"]
        assert value not in app.page_source()
        app.screenshot("audit.png")

        # Copy path copies path:line (or selects it where the page may not use the clipboard).
        row = [
            r
            for r in app.driver.find_elements(By.CSS_SELECTOR, '[data-testid="audit-finding"]')
            if r.get_attribute("data-advice") == "remove"
        ][0]
        copy = row.find_element(By.CSS_SELECTOR, '[data-testid="audit-copy-path"]')
        copy.click()
        wait_until("Copy path to answer", lambda: copy.text in ("Copied", "Selected: press Ctrl+C"))
        if copy.text == "Copied":
            wait_until("the path in the clipboard", lambda: clipboard() == f"{bashrc}:2")

        # Import and remove plaintext: the key file goes into the keyring and is deleted; the
        # shell line stays (to remove by hand).
        # Issue 23: it shows what it will do and asks for the server the key file does not name
        # (it gave the cloud's URL whatever server the key belonged to), plaintext removal ticked.
        app.click("audit-import")
        app.wait("import-form")
        assert "does not say which server" in app.wait_text("import-form", "does not say which server")
        assert app.q("import-form-remove_plaintext").is_selected()
        app.type("import-form-url", "https://impact.acme.example/")
        app.click("import-form-submit")
        app.wait_gone("import-form")
        app.message("Imported 1 key(s) → this computer's keyring and removed the plaintext.")
        app.wait_text("audit-result", "Imported 1 key(s) → this computer's keyring and removed the plaintext.")
        wait_until("the import finding to go", lambda: [f["advice"] for f in findings(app)] == ["remove"])
        assert findings(app)[0]["path"] == f"{bashrc}:2"
        assert not app.q("audit-import").is_displayed()
        assert not key_file.exists()
        assert bashrc.read_text().count(SHELL_VAR) == 1

        profiles = own.json("profile", "list", "--json")
        assert len(profiles) == 1, profiles
        name = profiles[0]["name"]
        try:
            assert own.json("profile", "show", name, "--json")["settings"]["url"] == "https://impact.acme.example/"
            assert own.run("key", "get", name).stdout == value
            close_audit(app)
            # The profile list was refreshed with the imported profile.
            app.wait(f"profile-item-{name}")
        finally:
            own.run("profile", "remove", name, "--yes", check=False)
        assert os.path.exists(bashrc)


def test_import_shows_what_it_joins_or_makes_before_it_writes(own, home, home_env):
    """Issue 23: import made profiles without asking and gave a Modelon key a guessed server.
    The dialog now says, per key, the existing profile it joins or the new one it makes and the
    server (the core's dry run, again after each change), asks for the server the key file does
    not name, and writes nothing until Import."""
    key_file = home / ".impact" / "api.key"
    key_file.parent.mkdir(parents=True, exist_ok=True)
    value = secret("ak-")
    key_file.write_text(value)
    mine = "impact-mine"
    own.run("profile", "add", mine, "--service", "modelon", "--url", "https://impact.mine.example/")
    try:
        with launch_app(own.config_dir, home_env) as app:
            app.wait(f"profile-item-{mine}")
            app.click("import")
            app.wait("import-form")
            # The one Modelon profile of this computer is joined by default, with its own server.
            assert app.q("import-form-profile_modelon").get_attribute("value") == mine
            app.wait_text("import-plan", f'→ existing profile "{mine}", this computer\'s keyring')
            # Another name makes a new profile, which needs the server the file does not say.
            app.type("import-form-profile_modelon", "impact-new")
            app.wait_text("import-plan", "not imported — ")
            assert "does not say which Modelon Impact server" in app.q("import-plan").text
            app.type("import-form-url", "https://impact.acme.example/")
            app.wait_text("import-plan", '→ new profile "impact-new" for https://impact.acme.example/')
            # Nothing written so far.
            assert [p["name"] for p in own.json("profile", "list", "--json")] == [mine]
            assert key_file.read_text() == value
            # Back to the existing profile, and Import: it joins, keeping its server.
            app.type("import-form-profile_modelon", mine)
            app.wait_text("import-plan", f'existing profile "{mine}"')
            app.click("import-form-submit")
            app.wait_gone("import-form")
            app.message("Imported 1 key(s) → this computer's keyring.")
            assert value not in app.page_source()
        assert own.run("key", "get", mine).stdout == value
        assert [p["name"] for p in own.json("profile", "list", "--json")] == [mine]
        assert own.json("profile", "show", mine, "--json")["settings"]["url"] == "https://impact.mine.example/"
    finally:
        own.run("profile", "remove", mine, "--yes", check=False)
