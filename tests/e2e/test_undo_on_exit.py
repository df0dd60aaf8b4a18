"""A key deleted in the app and still in its 8-second undo window is deleted when the app
closes (the backend carries out pending deletions at exit), not kept by accident. Its own store
and app: closing the window ends the app."""

import contextlib

from selenium.common.exceptions import WebDriverException

from conftest import Cli, _app_pids, launch_app, secret, wait_until


def test_closing_the_app_carries_out_a_pending_deletion(tmp_path_factory):
    cli = Cli(tmp_path_factory.mktemp("simcred-undo-exit"))
    cli.run("profile", "add", "desk", "--service", "dlubal")
    cli.run("key", "add", "desk", "stays", input=secret())
    cli.run("key", "add", "desk", "goes", input=secret())
    with launch_app(cli.config_dir) as app:
        app.select_profile("desk")
        app.click("key-delete-goes")
        app.wait_gone("key-row-goes")
        app.message("Deleted the key goes")
        # Still stored during the undo window ...
        assert "goes" in [k["name"] for k in cli.json("key", "list", "desk", "--json")]
        # ... and the window is closed before it passes (as its close button does): the app
        # exits and deletes it then.
        with contextlib.suppress(WebDriverException):  # the session ends with the window
            app.driver.execute_script("window.__TAURI__.window.getCurrentWindow().close()")
        wait_until("the app to exit", lambda: not _app_pids(), 30)
    assert [k["name"] for k in cli.json("key", "list", "desk", "--json")] == ["stays"]
