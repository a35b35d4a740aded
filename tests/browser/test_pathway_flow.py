"""The issue's browser scenarios, in Debian Chromium."""
import re

import pytest

from tests.browser.helpers import complete, fill_field, fill_form, login, open_task
from tests.web.pathway_setup import ensure_deployed
from webui.demo.seed import seed_organisations, seed_users
from webui.extensions import db

pytestmark = pytest.mark.browser

CPR = "0101901235"  # odd last digit: a man born 1990-01-01


@pytest.fixture
def demo(app):
    """Demo organisations and users (no demo patients); CSRF on, as in production."""
    app.config["WTF_CSRF_ENABLED"] = True
    with app.app_context():
        seed_organisations()
        seed_users()
        db.session.commit()
        ensure_deployed()
    return app


def refer_group_1(page, base):
    """Register a referral in contact with psychiatry and the municipality (group 2) through the form.

    (A group-1 patient's municipality takes no part and gets no municipal tasks; this flow
    needs both sectors.)
    """
    page.get_by_role("link", name="Ny henvisning").click()
    page.fill("#cpr", CPR)
    page.fill("#name", "Bent Browser")
    page.select_option("#region", "hovedstaden")
    page.select_option("#municipality", "koebenhavn")
    page.check("input[name=contacts][value=psykiatri]")
    page.check("input[name=contacts][value=kommune]")
    page.fill("#referrer", "Egen læge")
    page.get_by_role("button", name="Registrér henvisning").click()
    # every referral answers the same way on the worklist; the result is on the patient page
    page.wait_for_selector("text=Henvisningen af Bent Browser er modtaget")
    page.get_by_role("link", name="Bent Browser").first.click()
    page.wait_for_selector("#referral-result")


def enrol(page):
    """Visitation (included) and enrolment with tovholder.kbh as tovholder."""
    open_task(page, "Visitation")
    fill_form(page, "visitation", {"visitation_decision": "inkluderet"})
    complete(page)
    open_task(page, "Indskrivning og tovholder")
    fill_form(page, "indskrivning", {"tovholder": "tovholder.kbh",
                                     "tovholder_org": "region-hovedstaden",
                                     "needs_case_manager": False})
    complete(page)


AUDIT_ANSWERS = {**{f"audit_{i}": "1" for i in range(1, 9)}, "audit_9": "0", "audit_10": "2"}
DUDIT_ANSWERS = {"sex": "M", **{f"dudit_{i}": "0" for i in range(1, 10)},
                 "dudit_1": "2", "dudit_2": "2", "dudit_3": "1", "dudit_10": "2", "dudit_11": "0"}


def test_regional_clinician_refers_and_moves_patient_to_ustabil(live_server, demo, browser):
    psyk = browser.new_context(locale="da-DK").new_page()
    login(psyk, live_server, "psyk.kbh")
    refer_group_1(psyk, live_server)
    result = psyk.locator("#referral-result").inner_text()
    assert "Patientgruppe 2" in result and "optages nu" in result
    enrol(psyk)
    assert "Opstart" in psyk.locator("#phase").inner_text()
    patient_url = psyk.url

    open_task(psyk, "AUDIT (alkohol)")
    fill_form(psyk, "audit", AUDIT_ANSWERS)
    complete(psyk)
    open_task(psyk, "DUDIT (stoffer)")
    fill_form(psyk, "dudit", DUDIT_ANSWERS)
    complete(psyk)
    open_task(psyk, "Vurdering af selvmordsrisiko")
    fill_form(psyk, "selvmordsrisiko", {"suicide_risk_level": "lav"})
    complete(psyk)
    open_task(psyk, "Medicingennemgang")
    fill_form(psyk, "medicingennemgang")
    complete(psyk)

    # the completed AUDIT opens read-only, with the server-computed score and zone
    psyk.locator("#timeline").get_by_role("link", name="AUDIT (alkohol)").click()
    scores = psyk.locator("#scores").inner_text()
    assert "10" in scores and "Zone II" in scores
    assert psyk.locator("#record input").count() == 0

    # the municipality's shared tasks, done by the municipal clinician
    rus = browser.new_context(locale="da-DK").new_page()
    login(rus, live_server, "rus.kbh")
    rus.goto(patient_url)
    for title, form_id in (("Koordineret plan", "koordineret_plan"),
                           ("Skadesreduktion", "skadesreduktion")):
        open_task(rus, title)
        fill_form(rus, form_id)
        complete(rus)

    # the tovholder decides: Ustabil
    tov = browser.new_context(locale="da-DK").new_page()
    login(tov, live_server, "tovholder.kbh")
    tov.goto(patient_url)
    open_task(tov, "Opstartsvurdering")
    fill_form(tov, "opstart_vurdering", {"phase_decision": "ustabil"})
    complete(tov)
    assert "Ustabil" in tov.locator("#phase").inner_text()
    assert "Patienten er nu i fasen: Ustabil" in tov.locator(".flash-success").inner_text()
    timeline = tov.locator("#timeline").inner_text()
    assert "AUDIT (alkohol)" in timeline and "DUDIT (stoffer)" in timeline
    for context in (psyk.context, rus.context, tov.context):
        context.close()


def test_shared_task_shows_only_in_the_same_municipality(live_server, demo, browser, page):
    login(page, live_server, "psyk.kbh")
    refer_group_1(page, live_server)
    enrol(page)
    patient_url = page.url

    kbh = browser.new_context(locale="da-DK").new_page()
    login(kbh, live_server, "rus.kbh")
    worklist = kbh.locator("#worklist").inner_text()
    assert "Bent Browser" in worklist and "Koordineret plan" in worklist

    frb = browser.new_context(locale="da-DK").new_page()
    login(frb, live_server, "rus.frb")
    assert "Bent Browser" not in frb.locator("main").inner_text()
    response = frb.goto(patient_url)
    assert response.status == 404
    assert "Bent Browser" not in frb.content()
    kbh.context.close()
    frb.context.close()


def test_invalid_submission_shows_errors_in_the_page(live_server, demo, page):
    login(page, live_server, "psyk.kbh")
    refer_group_1(page, live_server)
    enrol(page)
    open_task(page, "AUDIT (alkohol)")
    fill_field(page, "audit_1", "radio", "3")
    page.get_by_role("button", name="Afslut opgave").click()
    page.wait_for_selector("#form-errors")
    assert page.locator("[data-field=audit_2] .field-error").inner_text() == "Feltet skal udfyldes."
    assert page.locator("[data-field=audit_1] .field-error").count() == 0
    assert page.is_checked("input[name=audit_1][value='3']")  # what was entered is kept
    assert re.search(r"/opgaver/", page.url)
