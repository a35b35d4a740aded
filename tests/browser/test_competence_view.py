"""The competence view in Chromium: a lead opens the unit, records a competence, sees coverage.

Need against coverage follows the pathway: a patient in Ustabil has an open activity that needs
DAT; once a staff member is recorded as certified in DAT the gap is gone. The page passes axe at
desktop and phone widths without sideways scrolling.
"""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.axe import axe_violations, describe
from tests.browser.helpers import login
from tests.web import aging
from webui.demo.seed import seed_organisations, seed_users
from webui.extensions import db
from webui.models import User

pytestmark = pytest.mark.browser


@pytest.fixture
def world(app):
    """Demo users and one patient in Ustabil (its activity needs DAT)."""
    with app.app_context():
        seed_organisations()
        seed_users()
        db.session.commit()
        aging.to_ustabil()
        return db.session.scalar(select(User.id).filter_by(username="tovholder.kbh"))


def test_lead_sees_need_records_a_certificate_and_the_gap_closes(live_server, page, world, browser):
    login(page, live_server, "leder")
    page.goto(f"{live_server}/kompetencer/")
    page.locator("#units a[href$='/enhed/region-hovedstaden']").click()
    dat = page.locator("#need tr[data-method='dat']")
    expect(dat.locator("[data-col='patients']")).to_have_text("1")
    expect(dat).to_have_attribute("data-gap", "1")
    expect(dat).to_contain_text("Ingen certificerede")

    # a certification date in the future is refused with its reason, nothing saved
    page.goto(f"{live_server}/kompetencer/medarbejder/{world}")
    form = page.locator("#competence-form")
    form.locator("select[name=method]").select_option("dat")
    form.locator("select[name=level]").select_option("certified")
    form.locator("input[name=certified_on]").evaluate("e => e.removeAttribute('max')")
    form.locator("input[name=certified_on]").fill("2099-01-01")
    form.get_by_role("button", name="Registrér kompetence").click()
    expect(page.locator("body")).to_contain_text("Certificeringsdatoen kan ikke ligge i fremtiden")

    form = page.locator("#competence-form")
    form.locator("select[name=method]").select_option("dat")
    form.locator("select[name=level]").select_option("certified")
    form.locator("input[name=certified_on]").fill("2024-02-01")
    form.locator("input[name=renewal_due]").fill("2099-02-01")
    form.get_by_role("button", name="Registrér kompetence").click()
    expect(page.locator("body")).to_contain_text("Kompetencen er registreret")

    page.goto(f"{live_server}/kompetencer/enhed/region-hovedstaden")
    dat = page.locator("#need tr[data-method='dat']")
    expect(dat.locator("[data-col='certified']")).to_have_text("1")
    expect(dat).not_to_have_attribute("data-gap", "1")
    expect(page.locator("#coverage tr[data-method='dat']")).to_contain_text("1")
    expect(page.locator("#holdings tr[data-user='tovholder.kbh'] td[data-method='dat']")).to_have_text("Certificeret")

    for width in (1280, 320):
        page.set_viewport_size({"width": width, "height": 900})
        violations = axe_violations(page)
        assert not violations, describe(violations)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), width
