"""Issue 22, the editor by keyboard and screen reader in Chromium: one tab stop per file list,
F6 out of any region, elements named with their lane, Danish specific names for the panels'
toggles, a decision-table rule removed by keyboard, our 3:1 focus ring, reflow at 320 px."""
import os
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from engine.models import DefinitionVersion
from tests.browser.helpers import login, serve_editor_bundle
from tests.browser.modeler_actions import open_editor
from tests.unit.test_contrast import ratio
from tests.web.pathway_setup import ensure_deployed
from webui.demo.seed import seed_organisations, seed_users
from webui.extensions import db

pytestmark = pytest.mark.browser


@pytest.fixture
def base_version(app):
    app.config["WTF_CSRF_ENABLED"] = True
    with app.app_context():
        seed_organisations()
        seed_users()
        db.session.commit()
        ensure_deployed()
        return db.session.scalar(select(DefinitionVersion.id).where(DefinitionVersion.status == "current"))


def _rgb(text):
    return "#" + "".join(f"{int(x):02x}" for x in text[text.index("(") + 1:text.index(")")].split(",")[:3])


def test_keyboard_paths_names_and_rule_removal(app, live_server, page, base_version):
    login(page, live_server, "ejer")
    open_editor(page, live_server, base_version)
    # at "fit" the palette leaves the start event free (point 10)
    palette = page.locator("#bpmn-canvas .djs-palette").bounding_box()
    start = page.locator(".djs-element[data-element-id='henv_start']").bounding_box()
    assert start["x"] > palette["x"] + palette["width"], (start, palette)
    # both file lists keep a tab stop while a diagram is open
    assert page.locator("#file-tabs [role=tab][tabindex='0']").count() == 1
    assert page.locator("#form-tabs [role=tab][tabindex='0']").count() == 1
    # F6 goes from the file tabs to the open editor and on to "Valider"
    page.locator("#file-tabs [role=tab][tabindex='0']").focus()
    page.keyboard.press("F6")
    assert page.evaluate("() => !!document.activeElement.closest('#pane-bpmn')")
    page.keyboard.press("F6")
    assert page.evaluate("() => document.activeElement.id") == "validate-button"
    # "Vælg element": flows by where they go, with the lane
    labels = page.locator("#kb-element option").all_inner_texts()
    assert any("→" in label and "Sekvensflow" in label for label in labels)
    assert any(label.startswith("Visitation (Brugeropgave, ") for label in labels), labels[:10]
    # section toggles say which section, in Danish
    page.select_option("#kb-element", "visitation")
    page.click("button[data-kb=select]")
    toggle = page.locator("#bpmn-properties .bio-properties-panel-group-header").first
    expect(toggle).to_have_attribute("aria-label", re.compile("^Fold afsnittet “.+” ud eller ind$"))
    # our focus ring: 3 px and at least 3:1 against the background
    page.locator("#validate-button").focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    ring = page.evaluate("() => { const s = getComputedStyle(document.activeElement); return [s.outlineWidth, s.outlineColor]; }")
    assert float(ring[0].rstrip("px")) >= 3 and ratio(_rgb(ring[1]), "#ffffff") >= 3
    # a decision-table rule removed by keyboard alone
    page.click("[data-file='phase_in.dmn']")
    page.wait_for_selector("#dmn-canvas tbody td[data-element-id]")
    before = page.locator("#dmn-canvas tbody tr").count()
    page.locator("#dmn-canvas tbody td.input-cell [contenteditable]").first.focus()  # as Tab lands there
    page.locator("#dmn-remove-rule").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#dmn-remove-status")).to_contain_text("Regel 1 er fjernet")
    assert page.locator("#dmn-canvas tbody tr").count() == before - 1


def test_the_form_editor_reflows_at_320_px(app, live_server, browser, base_version):
    context = browser.new_context(locale="da-DK", viewport={"width": 320, "height": 800})
    page = context.new_page()
    if os.environ.get("FORLOB_EDITOR_BUNDLE"):
        serve_editor_bundle(page, os.environ["FORLOB_EDITOR_BUNDLE"])
    login(page, live_server, "ejer")
    open_editor(page, live_server, base_version, "forms/visitation.json")
    page.wait_for_selector("#form-canvas .fjs-editor-container")
    width = page.evaluate("() => document.querySelector('#form-canvas .fjs-editor-container').scrollWidth")
    page_width = page.evaluate("() => document.documentElement.scrollWidth")
    context.close()
    assert width <= 320 and page_width <= 320, (width, page_width)
