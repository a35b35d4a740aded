"""axe-core on the patient's own pages (Mit forløb) at 1280 and 320 px, and the staff view of them:
no WCAG 2.1 A/AA violation and no sideways scroll."""
import pyotp
import pytest
from sqlalchemy import select

from tests.browser.axe import axe_violations, describe
from tests.browser.helpers import WAIT_MS, login
from webui.demo.patient_logins import DEMO_PATIENT_PASSWORD, DEMO_PATIENTS
from webui.demo.seed import seed_all
from webui.extensions import db
from webui.patient import questionnaires
from webui.patient.models import PatientAccount, Questionnaire

pytestmark = pytest.mark.browser

WIDTHS = (1280, 320)


@pytest.fixture
def world(app):
    """The demo (patient1 has answers, plans and an open WHO-5); plus an AUDIT to answer."""
    app.config["WTF_CSRF_ENABLED"] = True
    with app.app_context():
        seed_all()
        account = db.session.scalar(select(PatientAccount).where(PatientAccount.username == "patient1"))
        audit = questionnaires.request_for(account.patient_id, "audit", "tovholder.kbh")
        who5 = db.session.scalar(select(Questionnaire).where(
            Questionnaire.patient_id == account.patient_id, Questionnaire.instrument == "who5",
            Questionnaire.answered_at.is_(None)))
        answered = db.session.scalar(select(Questionnaire).where(
            Questionnaire.patient_id == account.patient_id, Questionnaire.answered_at.is_not(None)))
        db.session.commit()
        return {"audit": f"/mig/skema/{audit.id}", "who5": f"/mig/skema/{who5.id}",
                "result": f"/mig/skema/{answered.id}", "area": f"/patienter/{account.patient_id}/egen-side"}


def _patient_login(page, base):
    page.goto(base + "/mig/login")
    page.fill("#username", "patient1")
    page.fill("#password", DEMO_PATIENT_PASSWORD)
    page.fill("#totp", pyotp.TOTP(DEMO_PATIENTS["patient1"][0]).now())
    page.get_by_role("button", name="Log ind", exact=True).click()
    page.wait_for_url(base + "/mig/")


def _check(page, base, who, name, path, failures):
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(base + path)
        found = axe_violations(page)
        if found:
            failures.append(f"{who} {name} @ {width}px:\n{describe(found)}")
        wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if wide > 1:
            failures.append(f"{who} {name} @ {width}px scrolls sideways by {wide}px")


def test_patient_pages_pass_axe_at_both_widths(live_server, world, browser):
    failures = []
    context = browser.new_context(locale="da-DK", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    for name, path in (("login", "/mig/login"), ("activate", "/mig/aktiver")):
        _check(page, live_server, "anonymous", name, path, failures)
    _patient_login(page, live_server)
    assert page.locator("#who5-trend svg").count() == 1 and page.locator("#relapse").count() == 1
    for name, path in (("home", "/mig/"), ("who5", world["who5"]), ("audit", world["audit"]),
                       ("result", world["result"]), ("relatives", "/mig/paaroerende")):
        _check(page, live_server, "patient1", name, path, failures)
    context.close()
    context = browser.new_context(locale="da-DK", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, live_server, "tovholder.kbh")
    _check(page, live_server, "tovholder.kbh", "patient-area", world["area"], failures)
    context.close()
    assert not failures, "\n".join(failures)
