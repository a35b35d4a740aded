"""Issue 22, no keyboard trap in the form editor (WCAG 2.1.2) in Chromium: Tab goes through
the form editor once and on to "Foreslå", Shift+Tab back to the file tabs, with the palette
and the form's fields one Tab stop each (arrow keys inside)."""
import pytest

from tests.browser.helpers import login
from tests.browser.modeler_actions import open_editor
from tests.browser.test_modeler_a11y import base_version  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

WHERE = """() => { const a = document.activeElement;
  return [a.id || '', a.className.toString(), a.dataset.id || '', a.textContent.trim().slice(0, 30),
          !!a.closest('#form-canvas'), a.getAttribute('aria-label') || '']; }"""


def _walk(page, key, until, limit=60):
    """The stops `key` visits until `until`(stop) holds; fails when a stop repeats first."""
    stops = []
    for _ in range(limit):
        page.keyboard.press(key)
        stop = page.evaluate(WHERE)
        if until(stop):
            return stops
        assert stop not in stops, f"{key} went round: {stop} again after {stops}"
        stops.append(stop)
    raise AssertionError(f"{key} did not get there in {limit} presses: {stops}")


def test_tab_leaves_the_form_editor_and_comes_back(app, live_server, page, base_version):  # noqa: F811
    login(page, live_server, "ejer")
    open_editor(page, live_server, base_version, "forms/visitation.json")
    page.wait_for_selector("#form-canvas .fjs-element[data-id]")
    palette = page.locator("#form-canvas .fjs-palette-field")
    fields = page.locator("#form-canvas .fjs-element[data-id]")
    assert palette.count() > 5 and fields.count() > 5
    # the palette and the fields are one Tab stop each
    assert page.locator("#form-canvas .fjs-palette-field[tabindex='0']").count() == 1
    assert page.locator("#form-canvas .fjs-element[data-id][tabindex='0']").count() == 1
    # from the open form's tab, Tab passes the editor once and reaches "Foreslå"
    page.locator("#form-tabs [role=tab][tabindex='0']").focus()
    forward = _walk(page, "Tab", lambda s: s[0] == "propose-button")
    inside = [s for s in forward if s[4]]
    assert len(inside) < 12, inside
    # arrow keys move within the palette; Tab then leaves it, Shift+Tab returns to that entry
    palette.first.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    third = page.evaluate(WHERE)
    assert third[3] == palette.nth(2).inner_text().strip()[:30]
    page.keyboard.press("Tab")
    assert "fjs-palette-field" not in page.evaluate(WHERE)[1]
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(WHERE) == third
    # a field picked with the arrows is selected with Enter; Tab still leaves the editor
    fields.first.focus()
    page.keyboard.press("End")
    assert page.evaluate(WHERE)[2] == fields.last.get_attribute("data-id")
    page.keyboard.press("Enter")
    _walk(page, "Tab", lambda s: s[0] == "propose-button")
    # and Shift+Tab from "Foreslå" goes back through it to the form tabs
    page.locator("#propose-button").focus()
    _walk(page, "Shift+Tab", lambda s: s[0] == "" and "visitation" in s[3] and not s[4])
