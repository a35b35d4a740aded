"""Versions, one proposed version and the compare page with the changed diagram coloured.

With FORLOB_SCREENSHOTS=1 the pictures are written to docs/screenshots/ (else to a tmp dir).
"""
import os
from pathlib import Path

import pytest

from engine import service
from engine.definitions.proposals import propose
from engine.models import DefinitionVersion
from scenarios.runner import run_all
from tests.browser.helpers import login
from tests.web.pathway_setup import ensure_deployed
from webui.demo.seed import seed_organisations, seed_users
from webui.extensions import db

pytestmark = pytest.mark.browser
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _fits(page):
    """True when the page does not scroll sideways."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _versions(app):
    """The repository's version, a second one with a renamed task, and a proposal on top."""
    with app.app_context():
        seed_organisations()
        seed_users()
        ensure_deployed()
        first = db.session.scalar(db.select(DefinitionVersion))
        files = dict(first.files)
        files["stabil.bpmn"] = files["stabil.bpmn"].replace('name="Fasevurdering"',
                                                              'name="Vurdering af fasen"', 1)
        second = service.deploy_bundle(db.session, files, "ejer2", note="Nyt navn på fasevurderingen")
        label = "Kriterier for optagelse (sæt kryds ved det, der er opfyldt)"
        changed = {"forms/visitation.json": files["forms/visitation.json"].replace(
            label, "Kriterier for optagelse")}
        third, _ = propose(db.session, second.id, changed, "ejer", note="Kortere etiket",
                           run_scenarios=run_all)
        db.session.commit()
        return first.id, second.id, third.id


@pytest.mark.parametrize("size", SIZES)
def test_versions_review_and_compare(app, live_server, browser, tmp_path, size):
    first, second, third = _versions(app)
    shots = DOCS if os.environ.get("FORLOB_SCREENSHOTS") == "1" else tmp_path
    context = browser.new_context(locale="da-DK", viewport=SIZES[size])
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    login(page, live_server, "ejer2")

    page.goto(f"{live_server}/modeler/")
    assert page.locator("table.versions tbody tr").count() == 3
    assert "Foreslået" in page.locator("table.versions tbody tr").first.inner_text()
    assert _fits(page), "the versions page scrolls sideways"
    page.screenshot(path=str(shots / f"modeler-versions-{size}.png"), full_page=True)

    page.goto(f"{live_server}/modeler/versions/{third}")
    assert page.locator("#approve-button").count() == 1     # ejer proposed it; ejer2 may approve
    assert "Kriterier for optagelse" in page.locator("table.changes").inner_text()
    assert _fits(page), "the version page scrolls sideways"
    page.screenshot(path=str(shots / f"modeler-version-{size}.png"), full_page=True)

    page.goto(f"{live_server}/modeler/compare?from={first}&to={second}")
    page.wait_for_selector("#diagram-new[data-ready='1']")
    page.wait_for_selector("#diagram-old[data-ready='1']")
    marked = page.get_attribute("#diagram-new", "data-marked").split(",")
    assert marked == ["stabil_assess"], marked
    assert page.locator("#diagram-new .djs-element.diff-changed").count() >= 1
    # large and zoomable (issue 22): full width, and "Vis ændringerne tæt på" zooms in on them
    box = page.locator("#diagram-new").bounding_box()
    assert box["width"] >= page.viewport_size["width"] * 0.8 and box["height"] >= 400, box
    fitted = int(page.get_attribute("#diagram-new", "data-zoom"))
    page.locator("figure", has=page.locator("#diagram-new")).get_by_role("button", name="Vis ændringerne tæt på").click()
    assert int(page.get_attribute("#diagram-new", "data-zoom")) > fitted
    page.locator("figure", has=page.locator("#diagram-new")).get_by_role("button", name="Zoom ud").click()
    assert _fits(page), "the compare page scrolls sideways"
    page.screenshot(path=str(shots / f"modeler-compare-{size}.png"), full_page=size == "desktop")
    assert not problems, problems
    context.close()
