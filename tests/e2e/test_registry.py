"""The registry drives the app: the made-up vendor of crates/core/src/providers/example.rs (one
Rust file plus one registry line, built with the example-vendor feature that scripts/test.sh turns
on) is offered by the profile editor with its own settings and hints, stores a key, and shows up
in the CLI, with no edit to ui/."""
from conftest import secret, unique


def test_example_vendor_in_profile_editor(app, cli):
    app.click("add-profile")
    opts = [o.get_attribute("value") for o in app.wait("profile-service-service").find_elements("css selector", "option")]
    assert "example" in opts, f"the app does not offer the example vendor (build with --features simcred-core/example-vendor): {opts}"
    app.choose("profile-service-service", "example")
    app.click("profile-service-submit")
    assert app.wait("profile-form-name").get_attribute("placeholder") == "example"
    assert app.wait("profile-form-url").get_attribute("placeholder") == "https://api.example.invalid/"
    name = unique("ex")
    app.type("profile-form-name", name)
    app.type("profile-form-url", "https://api.example.com/")
    app.click("profile-form-submit")
    app.wait_gone("profile-form")
    app.wait(f"profile-item-{name}")
    assert app.driver.find_elements("css selector", f'[data-testid="group-example"] [data-testid="profile-item-{name}"]')
    app.wait_text("detail-service", "Example Cloud")
    app.click("key-add")
    assert app.wait("key-form-name").get_attribute("placeholder") == "ci"
    app.type("key-form-name", "ci")
    app.type("key-form-secret", secret())
    app.click("key-form-submit")
    app.wait_gone("key-form")
    app.wait("key-row-ci")
    # Not checkable: a neutral badge and no Check button.
    assert app.q("key-status-ci").get_attribute("data-kind") == "stored"
    assert not app.exists("key-check-ci")
    listed = [p for p in cli.json("profile", "list", "--json") if p["name"] == name]
    assert listed[0]["service"] == "example"
