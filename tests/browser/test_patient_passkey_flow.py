"""A patient activates with a code and a passkey (Chromium's virtual authenticator), sees the
plan and next contact, answers WHO-5 red; the tovholder sees the follow-up on the worklist."""
from datetime import timedelta

import pytest

from tests.browser.helpers import WAIT_MS, login
from tests.web import pathway_setup as setup
from webui.common.timeutil import local_now
from webui.demo.seed import seed_organisations, seed_users
from webui.extensions import db

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_users(app):
    with app.app_context():
        seed_organisations()
        seed_users()
        db.session.commit()
    return app


def _virtual_authenticator(context, page):
    """Chromium's DevTools virtual authenticator: a platform passkey that verifies the user."""
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True}})
    return cdp


def test_patient_activates_with_passkey_and_a_red_answer_reaches_the_tovholder(app, demo_users, live_server,
                                                                                 browser, page):
    with app.app_context():
        patient_id = setup.to_opstart().patient_id
    # the tovholder: a contact, a WHO-5 request and an activation code
    login(page, live_server, "tovholder.kbh")
    page.goto(f"{live_server}/patienter/{patient_id}/egen-side")
    book = page.locator("form[action$='/kontakter']")
    book.locator("input[name=starts_at]").fill((local_now() + timedelta(days=2)).strftime("%Y-%m-%dT10:00"))
    book.locator("input[name=place]").fill("Ambulatoriet, Nørre Allé")
    book.locator("input[name=person]").fill("Pia Psykiatri")
    book.get_by_role("button", name="Book").click()
    page.select_option("#instrument", "who5")
    page.get_by_role("button", name="Bed om svar").click()
    page.get_by_role("button", name="Lav aktiveringskode").click()
    code = page.locator("#activation-code").inner_text()

    # the patient, on a phone-sized screen
    phone = browser.new_context(locale="da-DK", viewport={"width": 390, "height": 844})
    phone.set_default_timeout(WAIT_MS)
    mine = phone.new_page()
    _virtual_authenticator(phone, mine)
    mine.goto(live_server + "/mig/aktiver")
    mine.fill("#code", code)
    mine.get_by_role("button", name="Fortsæt").click()
    mine.fill("#username", "bent.t")
    mine.get_by_role("button", name="Opret adgangsnøgle").click()
    mine.wait_for_url(live_server + "/mig/")
    assert "Vi er ved at lære dig at kende" in mine.locator("#phase").inner_text()
    assert "Ambulatoriet, Nørre Allé" in mine.locator("#contacts").inner_text()
    # log out and back in with the passkey alone
    mine.get_by_role("button", name="Log ud").click()
    mine.wait_for_url(live_server + "/mig/login")
    mine.get_by_role("button", name="Log ind med adgangsnøgle").click()
    mine.wait_for_url(live_server + "/mig/")
    mine.locator("#questionnaires a").first.click()
    for item in range(1, 6):
        mine.check(f"input[name=who5_{item}][value='1']")
    mine.check("input[name=suicidal_thoughts][value=ja]")
    mine.check("input[name=wants_contact][value=nej]")
    mine.get_by_role("button", name="Send svar").click()
    assert mine.locator("#call-now").is_visible()
    assert mine.locator("#result").get_attribute("data-zone") == "red"
    phone.close()

    # the tovholder's worklist has the red follow-up, with the answers
    page.goto(live_server + "/")
    followups = page.locator("#followups").inner_text()
    assert "Bent Testesen" in followups and "WHO-5 20" in followups and "selvmordstanker" in followups
