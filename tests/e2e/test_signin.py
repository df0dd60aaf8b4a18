"""Acceptance 3, 4, 5 and 6: SimAI sign-in in the app — device flow, offline token, consents,
and a server fault shown as a sentence."""

import re

from conftest import unique, wait_until

DEMO_USER, DEMO_PASSWORD = "demo@example.com", "demo-password"


def simai_profile(app, cli, sandbox):
    p = unique("simai")
    cli.run("profile", "add", p, "--service", "simai", "--url", sandbox.simai_api_url, "--organization", "demo-org")
    app.refresh()
    app.select_profile(p)
    app.wait_badge(p, "signed-out")
    return p


def letters(code: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", code).upper()


def test_device_login_turns_badge_signed_in(app, cli, sandbox):
    p = simai_profile(app, cli, sandbox)
    app.click("login-browser")
    code = app.wait("device-code").text
    assert len(letters(code)) >= 6, code
    app.wait_text("device-status", "Waiting")
    assert app.wait("device-url").text.startswith(sandbox.url)

    # The user approves in the browser (here: the sandbox's control endpoint).
    approved = wait_until("a pending device login", sandbox.approve_latest, 10)
    assert letters(approved) == letters(code)
    app.wait_text("device-status", f"Signed in to {p}", 30)
    app.click("device-cancel")  # now labelled Close
    app.wait_gone("device-dialog")

    app.wait_badge(p, "signed-in")
    app.wait("token-row-session")
    app.wait("token-row-access")
    state = [x for x in cli.status()["profiles"] if x["name"] == p][0]["state"]
    assert state == "signed in"


def test_device_login_cancel_stores_nothing(app, cli, sandbox):
    p = simai_profile(app, cli, sandbox)
    app.click("login-browser")
    app.wait("device-code")
    app.click("device-cancel")
    app.wait_gone("device-dialog")
    app.refresh()
    assert app.badge(p) == "signed-out"


def test_generate_offline_token_with_password_and_totp_field(app, cli, sandbox):
    p = simai_profile(app, cli, sandbox)
    app.click("offline-token")
    app.click("offline-password")
    app.type("password-form-username", DEMO_USER)
    app.type("password-form-password", DEMO_PASSWORD)
    app.wait("password-form-totp")  # empty: the demo account has no second factor
    assert app.wait("password-form-offline").is_selected()
    app.click("password-form-submit")
    app.wait_gone("password-form", 30)
    app.message("the offline token is in your keyring")
    app.wait_badge(p, "offline")
    app.wait("token-row-offline")
    assert app.q("token-status-offline").get_attribute("data-kind") == "offline"
    state = [x for x in cli.status()["profiles"] if x["name"] == p][0]["state"]
    assert state.startswith("offline token"), state
    # Issue 23: the sign-in added "Username" to the profile's settings quietly; now only when
    # the form's box is ticked (unticked by default for a profile without one).
    assert "username" not in cli.json("profile", "show", p, "--json")["settings"]
    app.click("login-password")
    assert not app.wait("password-form-remember_username").is_selected()
    app.type("password-form-username", DEMO_USER)
    app.type("password-form-password", DEMO_PASSWORD)
    app.click("password-form-remember_username")
    app.click("password-form-submit")
    app.wait_gone("password-form", 30)
    assert cli.json("profile", "show", p, "--json")["settings"]["username"] == DEMO_USER
    # The CLI can mint access tokens from it: one store.
    assert cli.run("token", p).stdout.count(".") == 2


def test_generate_offline_token_with_browser(app, cli, sandbox):
    p = simai_profile(app, cli, sandbox)
    app.click("offline-token")
    app.click("offline-browser")
    app.wait("device-code")
    wait_until("a pending device login", sandbox.approve_latest, 10)
    app.wait_text("device-status", "offline token is in your keyring", 30)
    app.click("device-cancel")
    app.wait_badge(p, "offline")
    # Issue 23: the new offline token's "Last used" said "—" (SimCred has not used it yet) while
    # Consents showed when its client's consent was last used; it now takes the consent's time.
    app.wait("consent-row-com.ansys.simai.sdk", 30)
    wait_until(
        "the offline token's Last used",
        lambda: app.q("token-used-offline").get_attribute("textContent").strip() not in ("", "—"),
    )


def test_revoke_consent(app, cli, sandbox):
    p = simai_profile(app, cli, sandbox)
    cli.run("offline-token", p, "--password", "--username", DEMO_USER, "--no-totp", input=DEMO_PASSWORD + "\n")
    # A second client holding an offline token for the same account: an old SDK's "sdk" client.
    sandbox.post("/_sandbox/simai/legacy-offline-token")
    app.refresh()
    app.wait_badge(p, "offline")
    app.wait("consent-row-sdk", 30)
    app.wait("consent-row-com.ansys.simai.sdk")

    app.click("consent-revoke-sdk")
    app.wait_text("confirm", "stop working")
    app.click("confirm-ok")
    app.message("Revoked the consent of sdk")
    app.wait_gone("consent-row-sdk")
    app.wait("consent-row-com.ansys.simai.sdk")
    listed = [c["client_id"] for c in cli.json("consents", "list", p, "--json")]
    assert "sdk" not in listed and "com.ansys.simai.sdk" in listed
    # SimCred's own offline token was not the one revoked.
    assert app.badge(p) == "offline"


def test_server_fault_shows_its_sentence(app, cli, healed):
    p = simai_profile(app, cli, healed)
    healed.fault("500")
    app.click("login-browser")
    text = app.message("answered 500")
    assert "without an OAuth error code" in text and text.endswith(".")
    assert app.attr("message", "data-kind") == "error"
    assert not app.exists("device-dialog")
    healed.fault("none")
    app.refresh()
    assert app.badge(p) == "signed-out"


def test_logout_signs_out(app, cli, sandbox):
    p = simai_profile(app, cli, sandbox)
    cli.run("login", p, "--password", "--username", DEMO_USER, "--no-totp", input=DEMO_PASSWORD + "\n")
    app.refresh()
    app.wait_badge(p, "signed-in")
    app.click("logout")
    app.click("confirm-ok")
    app.message(f"Signed out of {p}")
    app.wait_badge(p, "signed-out")
    state = [x for x in cli.status()["profiles"] if x["name"] == p][0]["state"]
    assert state == "signed out"


def test_offline_tokens_per_client_in_the_sign_in_table_and_consents(app, cli, sandbox):
    """One offline token per client: both rows name their client, both consents are SimCred's,
    and revoking the consent of `sdk` leaves the SDK's own token working."""
    p = simai_profile(app, cli, sandbox)
    for extra in ([], ["--client", "sdk"]):
        cli.run(
            "offline-token", p, *extra, "--password", "--username", DEMO_USER, "--no-totp",
            input=DEMO_PASSWORD + "\n",
        )
    app.refresh()
    app.wait_badge(p, "offline")
    app.wait_text("token-row-offline", "client com.ansys.simai.sdk")
    app.wait_text("token-row-offline@sdk", "client sdk")
    app.wait_text("consent-row-sdk", "SimCred's token", 30)
    app.wait_text("consent-row-com.ansys.simai.sdk", "SimCred's token")
    app.click("consent-revoke-sdk")
    app.wait_text("confirm", "including the one SimCred keeps")
    app.click("confirm-ok")
    app.message("Revoked the consent of sdk")
    app.wait_gone("consent-row-sdk")
    wait_until(
        "the sdk token row marked revoked",
        lambda: app.q("token-status-offline@sdk").get_attribute("data-kind") == "revoked",
    )
    assert app.q("token-status-offline").get_attribute("data-kind") == "offline"
    assert cli.run("token", p).stdout.count(".") == 2


def test_a_new_sign_in_supersedes_a_revoked_offline_token(app, cli, sandbox):
    """Issue 23: after the offline token was revoked, a browser login said "revoked" and "sign in
    again" right under "Signed in as …". Now the new session is the state, the old token's
    problem beside it, everywhere on screen."""
    p = simai_profile(app, cli, sandbox)
    cli.run("offline-token", p, "--password", "--username", DEMO_USER, "--no-totp", input=DEMO_PASSWORD + "\n")
    cli.run("consents", "revoke", p, "com.ansys.simai.sdk", "--yes")
    app.refresh()
    app.wait_badge(p, "revoked")

    app.click("login-browser")
    app.wait("device-code")
    wait_until("a pending device login", sandbox.approve_latest, 10)
    app.wait_text("device-status", f"Signed in to {p}", 30)
    app.click("device-cancel")
    app.wait_gone("device-dialog")

    app.wait_badge(p, "signed-in-attention")
    # Refresh asks the identity provider (with the new session): the state holds, and says who.
    app.refresh()
    app.wait_badge(p, "signed-in-attention")
    assert app.q(f"badge-{p}").text == "signed in · offline token revoked"
    assert app.wait_text("detail-badge", "signed in").startswith("signed in · offline token revoked")
    assert app.q("detail-badge").get_attribute("data-kind") == "signed-in-attention"
    assert f"Signed in as {DEMO_USER}" in app.wait_text("detail-account", DEMO_USER)
    problems = app.wait_text("problems", "offline token")
    assert f"simcred offline-token {p}" in problems and "sign in again" not in problems.lower(), problems
    assert app.q("token-status-offline").get_attribute("data-kind") == "revoked"
    assert app.q("token-status-session").get_attribute("data-kind") == "signed-in"
    # A revoked token does not "expire never".
    assert "never" not in app.q("token-row-offline").text
    st = next(x for x in cli.status()["profiles"] if x["name"] == p)
    assert st["state"] == "signed in · offline token revoked — generate a new one", st
    assert not any("sign in again" in x for x in st["problems"]), st

    # A new offline token clears it.
    cli.run("offline-token", p, "--password", "--username", DEMO_USER, "--no-totp", input=DEMO_PASSWORD + "\n")
    app.refresh()
    app.wait_badge(p, "offline")
