"""First run: the welcome screen, "Try the sandbox" (the sandbox inside the app), and the
screenshots of the main window in light and dark."""

import json
import urllib.request

import pytest

from conftest import Cli, launch_app, secret, wait_until

DEMO_USER, DEMO_PASSWORD = "demo@example.com", "demo-password"
# The Dlubal keys of the lived-in demo: (profile, key name, value), valid at the sandbox's RFEM.
DLUBAL_KEYS = [("rfem", "project_1", secret("ak-")), ("rfem", "project_2", secret("ak-")), ("rstab", "office", secret("ak-"))]


def point_dlubal_at_sandbox(fresh: Cli):
    """Points rfem and rstab at the in-app sandbox's RFEM (the demo-dlubal profile's port) and
    makes their keys valid there, so the screenshots show working keys, not an RFEM that is not
    running on this computer."""
    profiles = {p["name"]: p for p in fresh.json("profile", "list", "--json")}
    base = profiles["demo-simai"]["settings"]["url"].removesuffix("/v2/")
    port = profiles["demo-dlubal"]["settings"]["port"]
    for name in ("rfem", "rstab"):
        if name in profiles:
            fresh.run("profile", "edit", name, "--set", f"port={port}")
        else:
            fresh.run("profile", "add", name, "--service", "dlubal", "--set", "host=127.0.0.1", "--set", f"port={port}",
                      "--set", f"description=Dlubal {name.upper()} (the sandbox's, over gRPC)")
    for _, _, value in DLUBAL_KEYS:
        req = urllib.request.Request(f"{base}/_sandbox/dlubal/keys", data=json.dumps({"key": value}).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(req, timeout=10) as r:
            assert r.status == 204


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """A store of its own: this module starts with no profiles."""
    return Cli(tmp_path_factory.mktemp("simcred-first-run"))


def test_first_run_offers_sandbox_and_screenshots(fresh):
    with launch_app(fresh.config_dir) as app:
        app.wait("welcome")
        app.wait("welcome-import")
        app.screenshot("welcome.png")
        app.click("welcome-sandbox")
        app.wait("profile-item-demo-simai", 30)
        app.wait("profile-item-demo-modelon")
        app.message("The sandbox runs at")
        assert not app.q("welcome").is_displayed()
        # The demo Modelon key was made by the sandbox and checked against it.
        app.wait_badge("demo-modelon", "valid")
        app.wait_badge("demo-simai", "signed-out")
        profiles = {p["name"]: p for p in fresh.json("profile", "list", "--json")}
        url = profiles["demo-simai"]["settings"]["url"]
        assert profiles["demo-simai"]["settings"]["organization"] == "demo-org"
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v2/")

        # Sign in to the in-app sandbox from the CLI (one store, one sandbox), and add Dlubal keys,
        # so the screenshots show a lived-in app.
        fresh.run("offline-token", "demo-simai", "--password", "--username", DEMO_USER, "--no-totp",
                  input=DEMO_PASSWORD + "\n")
        point_dlubal_at_sandbox(fresh)
        for prof, key, value in DLUBAL_KEYS:
            fresh.run("key", "add", prof, key, *(["--default"] if key == "project_2" else []), input=value)
        app.refresh()
        app.wait_badge("rfem", "valid")
        app.wait_badge("demo-simai", "offline")
        app.select_profile("rfem")
        app.wait("key-row-project_2")
        app.dismiss_message()
        app.screenshot("main-window-light.png")
        scheme = app.driver.execute_script("return matchMedia('(prefers-color-scheme: dark)').matches")
        assert scheme is False
        at_720(app, "main-window-720-light.png")

        # The README's dialogs and cards, from this clean demo (issue 23: the consents screenshot
        # of a shared test store showed a dozen test profiles).
        app.click("key-add")
        app.type("key-form-name", "project_1")
        app.type("key-form-secret", secret("ak-"))
        app.wait_text("key-form-name-msg", "already has a key")
        app.dismiss_message()
        app.screenshot("add-key-dialog.png")
        app.click("key-form-cancel")
        app.wait_gone("key-form")
        app.select_profile("demo-simai")
        app.wait("consent-row-com.ansys.simai.sdk", 30)
        app.show_section("consents")
        app.screenshot("consents.png")
        app.click("login-browser")
        app.wait("device-code")
        app.wait_text("device-status", "Waiting")
        app.dismiss_message()
        app.screenshot("device-login.png")
        app.click("device-cancel")
        app.wait_gone("device-dialog")

    # The same store, the system in dark mode: WebKitGTK maps GTK_THEME=…:dark to the media query.
    with launch_app(fresh.config_dir, {"GTK_THEME": "Adwaita:dark"}) as app:
        assert app.driver.execute_script("return matchMedia('(prefers-color-scheme: dark)').matches")
        # The sandbox lives inside the app: start it again and sign in to it again, so the dark
        # screenshots show a working demo, as the light ones do.
        app.click("sandbox")
        app.message("The sandbox runs at")
        point_dlubal_at_sandbox(fresh)
        fresh.run("offline-token", "demo-simai", "--password", "--username", DEMO_USER, "--no-totp",
                  input=DEMO_PASSWORD + "\n")
        app.refresh()
        app.wait_badge("demo-simai", "offline")
        app.wait_badge("rstab", "valid")
        app.select_profile("rfem")
        app.wait("key-row-project_2")
        app.dismiss_message()
        app.screenshot("main-window-dark.png")
        app.select_profile("demo-simai")
        wait_until("the offline token row", lambda: app.exists("token-row-offline"))
        app.dismiss_message()
        app.screenshot("signin-dark.png")
        app.select_profile("rfem")
        app.wait("key-row-project_2")
        at_720(app, "main-window-720-dark.png")
        app.select_profile("demo-simai")
        wait_until("the offline token row", lambda: app.exists("token-row-offline"))
        at_720(app, "signin-720-dark.png")
        # The profile editor refusing what it would not store, as you type.
        app.click("add-profile")
        app.choose("profile-service-service", "simai")
        app.click("profile-service-submit")
        app.type("profile-form-name", "bad name")
        app.wait_text("profile-form-name-msg", "contains a space")
        app.type("profile-form-name", "simai-work")
        app.type("profile-form-url", "ftp://example.com")
        app.wait_text("profile-form-url-msg", "not allowed")
        app.type("profile-form-url", "https://api.example.com/v2/")
        app.click("profile-form-submit")
        app.wait_text("profile-form-organization-msg", "organization is required")
        app.dismiss_message()
        app.screenshot("profile-editor.png")
        app.click("profile-form-cancel")
        app.wait_gone("profile-form")


def at_720(app, name: str):
    """A screenshot at the minimum window width (720 px), then back to the default 1000 px."""
    for width in (720, 1000):
        app.driver.set_window_size(width, 700)
        wait_until(f"a {width} px window", lambda: app.driver.execute_script("return innerWidth") == width)
        if width == 720:
            app.dismiss_message()
            app.screenshot(name)
