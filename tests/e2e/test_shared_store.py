"""Acceptance 7: the GUI and the CLI share one store."""

from conftest import unique, wait_until


def add_profile_in_app(app, name, service, fields):
    app.click("add-profile")
    app.choose("profile-service-service", service)
    app.click("profile-service-submit")
    app.type("profile-form-name", name)
    for field, value in fields.items():
        app.type(f"profile-form-{field}", value)
    app.click("profile-form-submit")
    app.wait_gone("profile-form")
    app.wait(f"profile-item-{name}")


def test_cli_profile_shows_after_refresh_and_app_profile_is_listed_by_cli(app, cli, sandbox):
    from_cli = unique("cli-rfem")
    cli.run("profile", "add", from_cli, "--service", "dlubal")
    app.refresh()
    app.wait(f"profile-item-{from_cli}")
    app.select_profile(from_cli)
    app.wait_text("detail-service", "Dlubal API")

    from_app = unique("app-impact")
    add_profile_in_app(app, from_app, "modelon", {"url": sandbox.modelon_url})
    listed = wait_until(
        "the CLI to list the app's profile",
        lambda: [p for p in cli.json("profile", "list", "--json") if p["name"] == from_app],
    )
    assert listed[0]["service"] == "modelon"
    assert listed[0]["settings"]["url"] == sandbox.modelon_url
    # The app's list groups by service: the new profile sits under Modelon Impact.
    item = app.driver.find_element(
        "css selector", f'[data-testid="group-modelon"] [data-testid="profile-item-{from_app}"]'
    )
    assert from_app in item.text


def test_profile_editor_validates_as_you_type_and_shows_core_errors(app, cli):
    app.click("add-profile")
    app.choose("profile-service-service", "simai")
    app.click("profile-service-submit")
    app.type("profile-form-name", "bad name")
    app.wait_text("profile-form-name-msg", "contains a space")
    app.type("profile-form-name", unique("simai"))
    app.type("profile-form-url", "ftp://example.com")
    app.wait_text("profile-form-url-msg", "not allowed")
    app.type("profile-form-url", "https://api.example.com/v2/")
    # Organization left empty: refused before anything is sent.
    app.click("profile-form-submit")
    app.wait_text("profile-form-organization-msg", "organization is required")
    app.type("profile-form-https_proxy", "proxy:3128")
    app.wait_text("profile-form-https_proxy-msg", "not a proxy URL")
    app.click("profile-form-cancel")
    app.wait_gone("profile-form")
