"""Every control has an accessible name, and the profile list works from the keyboard."""

from selenium.webdriver.common.keys import Keys

from conftest import secret, unique

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
