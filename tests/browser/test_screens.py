"""Worklist, patient page (with the bpmn-js diagram) and task page on desktop and phone.

With FORLOB_SCREENSHOTS=1 the pictures are written to docs/screenshots/ (else to a tmp dir).
"""
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.models import WorklistItem as W
from tests.browser.helpers import login
from webui.demo.seed import seed_all
from webui.extensions import db

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def demo_world(app):
    """Demo users and demo patients made by driving the engine; CSRF on, as in production."""
    app.config["WTF_CSRF_ENABLED"] = True
    with app.app_context():
        seed_all()
    return app


@pytest.fixture
def shots(tmp_path):
    """Where screenshots go."""
    folder = DOCS if os.environ.get("FORLOB_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _open_task(app, form_id, without=None):
    """A Hovedstaden demo task with that form, optionally on a pathway lacking another open form."""
    query = select(W).where(W.form_id == form_id, W.org_code == "region-hovedstaden")
    if without:
        other = select(W.pathway_id).where(W.form_id == without)
        query = query.where(W.pathway_id.not_in(other))
    with app.app_context():
        item = db.session.scalar(query.order_by(W.id).limit(1))
        return item.patient_id, item.pathway_id, item.task_id


@pytest.mark.parametrize("size", SIZES)
def test_screens(live_server, demo_world, browser, shots, size):
    context = browser.new_context(locale="da-DK", viewport=SIZES[size])
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and problems.append(msg.text))
    login(page, live_server, "psyk.kbh")
    rows = page.locator("#worklist tbody tr")
    assert rows.count() > 5
    assert page.locator("#worklist tr.overdue").count() >= 1      # overdue rows are marked
    page.screenshot(path=str(shots / f"worklist-{size}.png"), full_page=size == "desktop")

    # an Opstart patient whose AUDIT and DUDIT are done and whose other tools are open
    patient_id, _, _ = _open_task(demo_world, "selvmordsrisiko", without="audit")
    page.goto(f"{live_server}/patienter/{patient_id}")
    page.wait_for_selector("#diagram[data-ready='1']")
    assert page.locator("#diagram .djs-element.current").count() >= 1
    assert page.locator("#diagram .djs-element.done").count() >= 1
    page.screenshot(path=str(shots / f"patient-{size}.png"), full_page=True)

    _, pathway_id, task_id = _open_task(demo_world, "audit")
    page.goto(f"{live_server}/forloeb/{pathway_id}/opgaver/{task_id}")
    page.wait_for_selector("#task-form")
    no_overflow = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert no_overflow, "the task page scrolls sideways"
    page.screenshot(path=str(shots / f"task-{size}.png"))  # the action bar sticks to the viewport

    page.goto(f"{live_server}/henvisning")
    page.fill("#cpr", "12")
    page.get_by_role("button", name="Registrér henvisning").click()
    page.wait_for_selector(".field-error")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(shots / f"referral-{size}.png"), full_page=True)
    context.close()
    # no script or CSP errors (the invalid referral post answers 400 on purpose)
    assert [p for p in problems if "status of 400" not in p] == []


@pytest.mark.parametrize("username, path, name, selector", [
    ("psyk.kbh", "/patienter", "patients", "#patients"),
    ("leder", "/overblik/", "overview", "#phase-in"),
    ("ejer", "/modeler/", "modeler", "table.list"),
    ("ejer", "/modeler/migrations", "migrations", "#jobs"),
])
def test_more_screens_fit_a_phone(live_server, demo_world, browser, shots, username, path, name,
                                  selector):
    for size, viewport in SIZES.items():
        context = browser.new_context(locale="da-DK", viewport=viewport)
        page = context.new_page()
        login(page, live_server, username)
        page.goto(live_server + path)
        page.wait_for_selector(selector)
        no_overflow = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        assert no_overflow, f"{path} scrolls sideways at {size}"
        page.screenshot(path=str(shots / f"{name}-{size}.png"), full_page=size == "desktop")
        context.close()
