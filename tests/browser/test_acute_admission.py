"""Chromium: an acute presentation through admission and discharge; the municipality sees both notices."""
import pytest

from tests.browser.helpers import complete, fill_form, login, open_task
from tests.web.pathway_setup import ensure_deployed
from webui.demo.seed import seed_organisations, seed_users
from webui.extensions import db

CPR = "1212851234"


@pytest.fixture
def demo(app):
    """Demo organisations and users; CSRF on, as in production."""
    app.config["WTF_CSRF_ENABLED"] = True
    with app.app_context():
        seed_organisations()
        seed_users()
        db.session.commit()
        ensure_deployed()
    return app


def test_acute_admission_to_discharge_with_both_notices(live_server, demo, browser, page):
    login(page, live_server, "psyk.kbh")
    page.get_by_role("link", name="Akut henvendelse").click()
    page.fill("#cpr", CPR)
    page.fill("#name", "Aksel Akut")
    page.select_option("#region", "hovedstaden")
    page.select_option("#municipality", "koebenhavn")
    page.select_option("#admission_reason", "abstinenser")
    page.check("input[name=contacts][value=kommune]")
    page.get_by_role("button", name="Registrér og indlæg").click()
    # the answer is the same whatever the CPR number is known as elsewhere: the worklist
    page.wait_for_selector("text=Den akutte henvendelse for Aksel Akut er registreret")
    page.get_by_role("link", name="Aksel Akut").first.click()
    page.wait_for_selector("#admitted-mark")
    assert "Henvendelse i akutfunktion/modtagelse" in page.locator("#phase").inner_text()
    patient_url = page.url

    # the municipality is told at once
    rus = browser.new_context(locale="da-DK").new_page()
    login(rus, live_server, "rus.kbh")
    notices = rus.locator("#worklist-notices").inner_text()
    assert "Indlæggelse" in notices and "Aksel Akut" in notices and "1 ulæst" in notices

    # the four inpatient phases, with one recurring treatment activity
    for title, form_id, answers in (
            ("Henvendelse i akutfunktion/modtagelse", "indlagt_henvendelse", None),
            ("Vurdering af selvmordsrisiko", "selvmordsrisiko", {"suicide_risk_level": "lav"}),
            ("Diagnostik og behandlingsplan", "indlagt_diagnostik", None),
            ("Medicingennemgang", "medicingennemgang", None),
            # an acute start is enrolled during the stay: it gets its tovholder here
            ("Indskrivning og tovholder", "indskrivning", {"tovholder": "tovholder.kbh",
                                                          "needs_case_manager": False}),
            ("Registrér behandlingsaktivitet", "indlagt_behandling", None)):
        open_task(page, title)
        fill_form(page, form_id, answers)
        complete(page)
    assert "Patienten modtager behandling" in page.locator("#phase").inner_text()
    open_task(page, "Udskrivelse og overgang")
    fill_form(page, "indlagt_udskrivelse", {"return_stage": "ustabil",
                                            "discharge_note": "Første ambulante samtale om 3 dage"})
    complete(page)
    # the phase chosen at discharge is honoured for an acute start too
    assert "Ustabil" in page.locator("#phase").inner_text()
    assert page.locator("#admitted-mark").count() == 0

    rus.goto(live_server + "/")
    notices = rus.locator("#worklist-notices").inner_text()
    assert "Udskrivelse" in notices and "Indlæggelse" in notices and "2 ulæste" in notices
    assert "Første ambulante samtale om 3 dage" in notices
    rus.locator("#worklist-notices li[data-kind=discharged]").get_by_role(
        "button", name="Markér som læst").click()
    assert "1 ulæst" in rus.locator("#worklist-notices").inner_text()
    rus.locator("#worklist-notices").get_by_role("link", name="Aksel Akut").first.click()
    assert rus.url == patient_url
    rus.context.close()
