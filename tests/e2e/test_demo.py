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
