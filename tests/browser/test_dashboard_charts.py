"""Chromium: the overview's charts render (Chart.js served by the app) and a CSV downloads."""
import pytest
from playwright.sync_api import expect

from engine.models import Pathway
from tests.browser.helpers import login
from tests.web import dashboard_data
from webui.demo.seed import seed_organisations, seed_users
from webui.extensions import db

pytestmark = pytest.mark.browser


@pytest.fixture
def dashboard_world(app):
    """Demo logins and the hand-made data set, plus six more group-1 referrals so the curve shows."""
    app.config["DASHBOARD_TODAY"] = dashboard_data.TODAY
    with app.app_context():
        seed_organisations()
        seed_users()
        db.session.commit()
        ids = dashboard_data.load()
        template = db.session.get(Pathway, ids["A"])
        for day in ("2024-10-01", "2024-12-01", "2025-01-15", "2025-02-01", "2025-03-01", "2025-04-01"):
            db.session.add(Pathway(patient_id=template.patient_id, version_id=template.version_id,
                                   status="active", stage="opstart", group_no=1,
                                   region_org="region-hovedstaden",
                                   municipality_org="kommune-koebenhavn",
                                   started_at=dashboard_data.at(day)))
        db.session.commit()
    return app


def test_charts_render_and_csv_downloads(live_server, dashboard_world, browser, tmp_path):
    context = browser.new_context(locale="da-DK", viewport={"width": 1280, "height": 900},
                                  accept_downloads=True)
    page = context.new_page()
    login(page, live_server, "leder")
    page.goto(live_server + "/overblik/")
    page.wait_for_selector("canvas[data-chart=enrolment]")
    drawn = page.evaluate("""() => [...document.querySelectorAll('canvas[data-chart=enrolment]')]
        .map(c => { const ch = Chart.getChart(c);
                    return ch ? ch.data.datasets.map(d => d.data.filter(v => v !== null).length) : null; })""")
    assert len(drawn) == 3 and all(d is not None for d in drawn)
    assert drawn[0][0] > 0 and drawn[0][1] == 48  # group 1: actual points and 48 target months
    with page.expect_download() as info:
        page.locator("a.csv").first.click()
    path = tmp_path / "indfasning.csv"
    info.value.save_as(path)
    text = path.read_text(encoding="utf-8-sig")
    assert text.startswith("org;name;group;opens") and "region-hovedstaden;Region Hovedstaden;1" in text

    page.goto(live_server + "/overblik/kvalitet")
    page.wait_for_selector("canvas[data-chart=trend]")
    bars = page.evaluate("() => Chart.getChart(document.querySelector('canvas[data-chart=trend]'))"
                         ".data.labels.length")
    assert bars == 3  # guarantee trend: 2025-01, 2025-02, 2025-03
    page.emulate_media(media="print")  # the printout drops the menu, the filters and the links
    assert not page.locator("form.dash-filters").is_visible() and not page.locator("a.csv").first.is_visible()
    expect(page.locator("#trend")).to_be_visible()  # the trend table is printed open
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    context.close()
