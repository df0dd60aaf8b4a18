"""Every control has an accessible name, and the profile list works from the keyboard."""

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from conftest import secret, unique, wait_until

UNNAMED = """
const name = (el) => {
  if (el.getAttribute('aria-label')) return el.getAttribute('aria-label').trim();
  if (el.id) {
    const l = document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
    if (l && l.textContent.trim()) return l.textContent.trim();
  }
  if (el.closest('label')) return el.closest('label').textContent.trim();
  if (el.tagName === 'BUTTON') return el.textContent.trim();
  return '';
};
return [...document.querySelectorAll('button, input, select, textarea')]
  .filter((el) => el.getClientRects().length && !name(el))
  .map((el) => el.outerHTML.slice(0, 120));
"""


def test_every_control_has_a_name_and_the_list_is_keyboard_navigable(app, cli):
    a, b = unique("kbd-a"), unique("kbd-b")
    for p in (a, b):
        cli.run("profile", "add", p, "--service", "dlubal")
    cli.run("key", "add", a, "k1", input=secret())
    app.refresh()
    app.select_profile(a)
    app.wait("key-row-k1")
    assert app.driver.execute_script(UNNAMED) == []
    # Dialogs too.
    app.click("key-add")
    app.wait("key-form-secret")
    assert app.driver.execute_script(UNNAMED) == []
    app.q("key-form-secret").send_keys(Keys.ESCAPE)
    app.wait_gone("key-form")
    app.click("add-profile")
    app.click("profile-service-submit")
    app.wait("profile-form-name")
    assert app.driver.execute_script(UNNAMED) == []
    app.click("profile-form-cancel")
    app.wait_gone("profile-form")

    # Arrow keys move between profiles; Enter opens one.
    item = app.q(f"profile-item-{a}")
    item.send_keys(Keys.ARROW_DOWN)
    focused = app.driver.switch_to.active_element
    assert focused.get_attribute("data-testid") == f"profile-item-{b}"
    focused.send_keys(Keys.ENTER)
    app.wait_text("detail-name", b)


def tab_order(app, start: str, steps: int = 40) -> list[str]:
    """The data-testids focus visits pressing Tab from `start`."""
    app.driver.execute_script("arguments[0].focus()", app.q(start))
    seen = []
    for _ in range(steps):
        # Keys go to whatever has focus (no element reference a re-render could make stale).
        ActionChains(app.driver).send_keys(Keys.TAB).perform()
        seen.append(app.driver.execute_script("return document.activeElement.getAttribute('data-testid')"))
    return seen


def test_new_controls_are_named_and_reachable_by_keyboard(app, cli, sandbox):
    p = unique("a11y")
    cli.run("profile", "add", p, "--service", "modelon", "--url", sandbox.modelon_url)
    cli.run("key", "add", p, input=sandbox.regenerate_modelon_key())
    d = unique("a11y-keys")
    cli.run("profile", "add", d, "--service", "dlubal")
    cli.run("key", "add", d, "k1", input=secret())
    cli.run("key", "add", d, "k2", input=secret())
    app.refresh()
    app.select_profile(p)

    # The sidebar toggle, the filter box: named, in the Tab order, and the toggle says its state.
    order = tab_order(app, "sidebar-toggle")
    assert "profile-filter" in order, order
    assert app.attr("sidebar-toggle", "aria-expanded") == "true"
    app.q("sidebar-toggle").send_keys(Keys.ENTER)
    wait_until("the list to hide", lambda: app.attr("sidebar-toggle", "aria-expanded") == "false")
    assert app.attr("sidebar-toggle", "aria-label") == "Show the profile list"
    app.q("sidebar-toggle").send_keys(Keys.ENTER)
    wait_until("the list to show", lambda: app.attr("sidebar-toggle", "aria-expanded") == "true")
    assert app.driver.execute_script(UNNAMED) == []

    # Replace: the key page button, Copy link and Show are named and reached by Tab.
    app.click("key-replace")
    app.click("key-replace-open")
    app.wait("key-replace-copy-link")
    assert app.driver.execute_script(UNNAMED) == []
    order = tab_order(app, "key-replace-copy-link", 6)
    assert "replace-form-secret" in order and "replace-form-secret-reveal" in order, order
    assert app.attr("replace-form-secret-reveal", "aria-label").startswith("Show ")
    app.q("replace-form-secret").send_keys(Keys.ESCAPE)
    app.wait_gone("replace-form")

    # Undo in the message: named, reachable, and Enter on it undoes.
    app.select_profile(d)
    app.q("key-delete-k1").send_keys(Keys.ENTER)
    app.wait_gone("key-row-k1")
    undo = app.wait("message-action")
    assert undo.get_attribute("aria-label") == "Undo deleting the key k1"
    assert app.driver.execute_script(UNNAMED) == []
    order = tab_order(app, "key-delete-k2", 12)
    assert "message-action" in order and "message-close" in order, order
    app.q("message-action").send_keys(Keys.ENTER)
    app.wait("key-row-k1")
    # A Modelon key left in the shared store turns invalid at the sandbox's next key.
    for x in (p, d):
        cli.run("profile", "remove", x, "--yes")
