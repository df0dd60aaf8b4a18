"""Issue 21 in the app: a Dlubal key is checked with the application over gRPC (the sandbox's
RFEM) only when the user asks — Check or Refresh, never at start or in the background — and the
answer (valid with the plan and this month's requests, invalid, plan restricted, not running)
is shown in the badge and the detail."""

import pytest

from conftest import secret, unique, wait_until
from test_keys import add_key_in_app


def profile_on(app, port, key, tls_ca_bundle=None):
    """A Dlubal profile made in the app's form (its own settings: product, host, port and, when
    given, the TLS CA bundle), holding `key` as `main`, added in the app too."""
    app.click("add-profile")
    app.choose("profile-service-service", "dlubal")
    app.click("profile-service-submit")
    assert app.wait("profile-form-host").get_attribute("placeholder") == "127.0.0.1"
    assert app.wait("profile-form-port").get_attribute("placeholder") == "9000"
    p = unique("rfem")
    app.type("profile-form-name", p)
    app.type("profile-form-port", str(port))
    if tls_ca_bundle is not None:
        app.click("profile-form-group-network-and-more")
        app.type("profile-form-tls_ca_bundle", tls_ca_bundle)
    app.click("profile-form-submit")
    app.wait_gone("profile-form")
    app.select_profile(p)
    add_key_in_app(app, "main", key)
    return p


@pytest.fixture
def removed_after(cli):
    """Profiles to remove when the test ends: a restricted key would make every later test's
    `simcred status` exit 1 in the shared store."""
    names: list[str] = []
    yield names
    for n in names:
        cli.run("profile", "remove", n, "--yes", check=False)


def test_check_shows_the_plan_and_count_and_nothing_is_sent_unasked(app, cli, sandbox, removed_after):
    good, limited = secret("ak-"), secret("ak-")
    sandbox.add_dlubal_key(good)
    sandbox.add_dlubal_key(limited, limited=True)
    port = sandbox.dlubal()["port"]
    before = sandbox.dlubal()["requests"]
    p = profile_on(app, port, good)
    removed_after.append(p)
    q = profile_on(app, port, limited)
    removed_after.append(q)

    # Adding asked nothing (the app re-reads what is stored after each action, and its checks at
    # start and in the background leave Dlubal out): no gRPC call.
    app.select_profile(p)
    app.wait_badge(p, "unverified")
    assert sandbox.dlubal()["requests"] == before, "nothing asked the application unasked"

    app.click("key-check-main")
    app.wait_badge(p, "valid", 30)
    usage = app.wait_text("detail-usage", "API requests this month")
    assert usage.startswith("Plan Sandbox Professional") or usage.startswith("plan Sandbox Professional"), usage
    assert "of 10,000 API requests this month" in usage, usage
    assert sandbox.dlubal()["requests"] == before + 2

    # A limited key: the vendor's sentence, a red badge, in the list and the detail alike.
    app.select_profile(q)
    app.click("key-check-main")
    app.wait_badge(q, "restricted", 30)
    assert app.q(f"badge-{q}").text.startswith("plan restricted"), app.q(f"badge-{q}").text
    app.wait_text("problems", "subscription plan have been exceeded")

    # Refresh is an explicit ask: it checks both again.
    asked = sandbox.dlubal()["requests"]
    app.refresh()
    wait_until("Refresh to ask the application", lambda: sandbox.dlubal()["requests"] >= asked + 3, timeout=30)
    assert good not in app.driver.page_source and limited not in app.driver.page_source


def test_a_stopped_application_is_named_and_the_key_keeps_its_state(app, cli, sandbox, removed_after):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    p = profile_on(app, closed, secret("ak-"))
    removed_after.append(p)
    app.select_profile(p)
    app.click("key-check-main")
    app.wait_text("problems", f"RFEM is not running on 127.0.0.1:{closed}", 30)
    # No verdict on the key: never "valid" or "invalid" for an application that is not there.
    assert app.badge(p) in ("unverified", "unreachable"), app.badge(p)


def test_over_tls_the_ca_file_makes_the_application_trusted(app, cli, sandbox, tmp_path, removed_after):
    good = secret("ak-")
    sandbox.add_dlubal_key(good)
    info = sandbox.dlubal()
    ca = tmp_path / "dlubal-ca.pem"
    ca.write_text(info["ca_pem"])
    p = profile_on(app, info["tls_port"], good, tls_ca_bundle=str(ca))
    removed_after.append(p)
    app.select_profile(p)
    app.click("key-check-main")
    app.wait_badge(p, "valid", 30)
    app.wait_text("detail-usage", "API requests this month")

    # With the system's authorities instead, the sandbox's own CA is unknown: a sentence that says
    # so, and no verdict on the key (it stays valid from the last answer).
    app.click("profile-edit")
    app.click("profile-form-group-network-and-more")
    app.type("profile-form-tls_ca_bundle", "system")
    app.click("profile-form-submit")
    app.wait_gone("profile-form")
    app.click("key-check-main")
    app.wait_text("problems", "certificate authority this computer does not trust", 30)
    assert app.badge(p) != "invalid", app.badge(p)
    assert good not in app.driver.page_source
