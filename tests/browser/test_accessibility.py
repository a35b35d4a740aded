"""axe-core on every page and state at 1280 and 320 px: no WCAG 2.1 A/AA violation, no sideways scroll.

One Chromium and one logged-in context per user; each page is loaded afresh at each width.
"""
import pytest
from sqlalchemy import select

from engine.models import TaskRecord
from engine.models import WorklistItem as W
from tests.browser.axe import axe_violations, describe
from tests.browser.helpers import WAIT_MS, login
from webui.demo.seed import seed_all
from webui.extensions import db

pytestmark = pytest.mark.browser

WIDTHS = (1280, 320)


@pytest.fixture
def world(app):
    """The demo data (users and patients in every phase), CSRF on as in production."""
    app.config["WTF_CSRF_ENABLED"] = True
    with app.app_context():
        seed_all()
        item = db.session.scalar(select(W).where(
            W.form_id == "visitation", W.org_code == "region-hovedstaden").order_by(W.id).limit(1))
        opstart = db.session.scalar(select(W).where(
            W.form_id == "selvmordsrisiko", W.org_code == "region-hovedstaden").order_by(W.id).limit(1))
        record = db.session.scalar(select(TaskRecord).where(
            TaskRecord.pathway_id == opstart.pathway_id, TaskRecord.form_id.is_not(None))
            .order_by(TaskRecord.id).limit(1))
        return {"task": f"/forloeb/{item.pathway_id}/opgaver/{item.task_id}",
                "patient": f"/patienter/{opstart.patient_id}",
                "record": f"/forloeb/{record.pathway_id}/historik/{record.id}"}


def _go(path):
    """A state reached by loading a page (a path, or a key of the world's paths)."""
    def visit(page, base, world):
        page.goto(base + world.get(path, path))
    return visit


def _patient(page, base, world):
    """The patient page once the diagram is drawn; the picture is named and marks more than colour."""
    page.goto(base + world["patient"])
    page.wait_for_selector("#diagram[data-ready='1']")
    svg = page.locator("#diagram svg").first
    assert svg.get_attribute("role") == "img"
    assert svg.get_attribute("tabindex") is None
    assert "Aktuelle opgaver:" in svg.get_attribute("aria-label")
    current = page.locator("#diagram .djs-element.current .djs-visual > :first-child").first
    assert current.evaluate("e => getComputedStyle(e).strokeDasharray") not in ("none", "")
    assert page.locator("#diagram .diagram-mark.current").count() >= 1


def _modeler(page, base, world):
    """The bpmn-js modeler, opened by the first edit link of the definitions page."""
    page.goto(base + "/modeler/")
    page.goto(base + page.locator("main a[href*='/edit']").first.get_attribute("href"))
    page.wait_for_selector("main [data-ready='1']")


def _failed_task(page, base, world):
    """The task page after "Afslut opgave" with nothing filled in."""
    page.goto(base + world["task"])
    page.get_by_role("button", name="Afslut opgave").click()
    page.wait_for_selector("#error-summary")


def _failed_referral(page, base, world):
    """The referral form after a submit with a bad CPR number and nothing else."""
    page.goto(base + "/henvisning")
    page.fill("#cpr", "12")
    page.get_by_role("button", name="Registrér henvisning").click()
    page.wait_for_selector("#error-summary")


def _failed_acute(page, base, world):
    """The acute presentation form after a submit with a bad CPR number and nothing else."""
    page.goto(base + "/akut")
    page.fill("#cpr", "12")
    page.get_by_role("button", name="Registrér og indlæg").click()
    page.wait_for_selector("#error-summary")
    assert page.title().startswith("Fejl:")
    assert page.evaluate("document.activeElement.id") == "error-summary"


def _failed_login(page, base, world):
    """The login form after a wrong password."""
    page.goto(base + "/login")
    page.fill("#username", "psyk.kbh")
    page.fill("#password", "wrong")
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_load_state()


# user (None = not logged in) → the states to check
PLAN = {
    None: [("login", _go("/login")), ("statement", _go("/tilgaengelighed")),
           ("login-failed", _failed_login)],
    "psyk.kbh": [
        ("worklist", _go("/")),
        ("search", _go("/patienter?q=a")),
        ("patient", _patient),
        ("task", _go("task")),
        ("task-errors", _failed_task),
        ("record", _go("record")),
        ("referral", _go("/henvisning")),
        ("referral-errors", _failed_referral),
        ("acute", _go("/akut")),
        ("acute-errors", _failed_acute),
        ("statement", _go("/tilgaengelighed")),
        ("404", _go("/patienter/999999")),
        ("403", _go("/admin/audit")),
    ],
    "leder": [("start", _go("/")), ("overview", _go("/overblik/")),
              ("quality", _go("/overblik/kvalitet"))],
    "ejer": [("modeler", _go("/modeler/")), ("modeler-edit", _modeler)],
    "admin": [("audit", _go("/admin/audit?user=psyk.kbh")), ("users", _go("/admin/users"))],
}


def test_every_page_passes_axe_at_both_widths(live_server, world, browser):
    failures = []
    for user, states in PLAN.items():
        context = browser.new_context(locale="da-DK", viewport={"width": WIDTHS[0], "height": 900})
        context.set_default_timeout(WAIT_MS)
        page = context.new_page()
        if user:
            login(page, live_server, user)
        for name, visit in states:
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                visit(page, live_server, world)
                found = axe_violations(page)
                if found:
                    failures.append(f"{user or 'anonymous'} {name} @ {width}px:\n{describe(found)}")
                wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                if wide > 1:
                    failures.append(f"{user or 'anonymous'} {name} @ {width}px scrolls sideways "
                                    f"by {wide}px")
        context.close()
    assert not failures, "\n".join(failures)
