"""The sandbox's demo profiles can be removed in one go ("Remove demo profiles"); the user's
own profiles stay. Its own store and app: the module's app fixture would hold the single
instance."""

from conftest import Cli, launch_app


def test_remove_demo_profiles(tmp_path_factory):
    fresh = Cli(tmp_path_factory.mktemp("simcred-demo"))
    fresh.run("profile", "add", "mine", "--service", "dlubal")
    with launch_app(fresh.config_dir) as app:
        assert not app.q("remove-demo").is_displayed()
        app.click("sandbox")
        app.wait("profile-item-demo-simai", 30)
        # The Dlubal demo points at the sandbox's RFEM: its key is checked when asked, and valid.
        app.select_profile("demo-dlubal")
        app.wait_badge("demo-dlubal", "unverified")
        app.click("key-check-demo")
        app.wait_badge("demo-dlubal", "valid", 30)
        app.wait_text("detail-usage", "API requests this month")
        app.click("remove-demo")
        app.wait_text("confirm-demo", "demo-simai")
        app.click("confirm-demo-ok")
        app.message("Removed the demo profiles")
        app.wait_gone("profile-item-demo-simai")
        app.wait_gone("profile-item-demo-modelon")
        app.wait_gone("profile-item-demo-dlubal")
        assert not app.q("remove-demo").is_displayed()
        assert [p["name"] for p in fresh.json("profile", "list", "--json")] == ["mine"]


def test_after_a_restart_the_demo_says_its_sandbox_is_not_running_and_starts_it(tmp_path_factory):
    """Issue 23: after an app restart nothing said the sandbox (which runs inside the app) was no
    longer running. Now the demo profile's check says so in words and offers to start it."""
    fresh = Cli(tmp_path_factory.mktemp("simcred-demo-restart"))
    with launch_app(fresh.config_dir) as app:
        app.click("sandbox")
        app.wait("profile-item-demo-modelon", 30)
        app.select_profile("demo-modelon")
        app.wait_badge("demo-modelon", "valid", 30)
    with launch_app(fresh.config_dir) as app:
        app.select_profile("demo-modelon")
        # The start's check found nothing at the old port: said in words, beside the last state.
        app.wait("detail-unreachable", 60)
        problems = app.wait_text("problems", "nothing is running there on this computer")
        assert "127.0.0.1:" in problems, problems
        assert app.wait(f"list-unreachable-demo-modelon").text == "unreachable"
        app.click("detail-start-sandbox")
        app.message("sandbox")
        app.refresh()
        app.wait_badge("demo-modelon", "valid", 30)
        app.wait_gone("detail-unreachable")
        assert not app.exists("detail-start-sandbox")
