"""First run: the welcome screen, "Try the sandbox" (the sandbox inside the app), and the
screenshots of the main window in light and dark."""

import pytest

from conftest import Cli, launch_app, secret, wait_until

DEMO_USER, DEMO_PASSWORD = "demo@example.com", "demo-password"


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
        fresh.run("profile", "add", "rfem", "--service", "dlubal",
                  "--set", "description=RFEM 6 on the workstation (gRPC at 127.0.0.1:9000)")
        fresh.run("key", "add", "rfem", "project_1", input=secret("ak-"))
        fresh.run("key", "add", "rfem", "project_2", "--default", input=secret("ak-"))
        fresh.run("profile", "add", "rstab", "--service", "dlubal")
        fresh.run("key", "add", "rstab", "office", input=secret("ak-"))
        app.refresh()
        app.wait_badge("demo-simai", "offline")
        app.select_profile("rfem")
        app.wait("key-row-project_2")
        app.dismiss_message()
        app.screenshot("main-window-light.png")
        scheme = app.driver.execute_script("return matchMedia('(prefers-color-scheme: dark)').matches")
        assert scheme is False
        at_720(app, "main-window-720-light.png")

    # The same store, the system in dark mode: WebKitGTK maps GTK_THEME=…:dark to the media query.
    with launch_app(fresh.config_dir, {"GTK_THEME": "Adwaita:dark"}) as app:
        assert app.driver.execute_script("return matchMedia('(prefers-color-scheme: dark)').matches")
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


def at_720(app, name: str):
    """A screenshot at the minimum window width (720 px), then back to the default 1000 px."""
    for width in (720, 1000):
        app.driver.set_window_size(width, 700)
        wait_until(f"a {width} px window", lambda: app.driver.execute_script("return innerWidth") == width)
        if width == 720:
            app.dismiss_message()
            app.screenshot(name)
