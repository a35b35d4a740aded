"""Keyboard users see what they focus: the sticky task bar never covers the focused field (AUDIT,
1280 and 320 px); the patient page with the longest inpatient phase fits 320 px; the phase-in
chart has its table; the migration job page does not reload itself."""
import pytest

from engine import service
from tests.browser.helpers import login
from tests.web import pathway_setup as setup
from webui.demo.seed import seed_organisations, seed_users
from webui.extensions import db

pytestmark = pytest.mark.browser

# where the focused element is against the sticky bar (null when the bar is not on the page)
_COVER = """() => {
  const e = document.activeElement, bar = document.querySelector('.form-actions');
  if (!bar || bar.contains(e) || !e.closest('#task-form')) { return null; }
  const r = e.getBoundingClientRect(), b = bar.getBoundingClientRect();
  return {name: e.name || e.tagName, covered: r.bottom > b.top + 1 && r.top < b.bottom};
}"""


@pytest.fixture
def admitted(app):
    """A patient in Opstart (AUDIT open) and an admitted patient in the first inpatient phase."""
    with app.app_context():
        seed_organisations()
        seed_users()
        db.session.commit()
        opstart = setup.to_opstart(contacts=("psykiatri", "kommune"))
        audit = setup.item_for(opstart.id, "audit").task_id
        other = setup.refer(cpr="0202902345")
        service.deliver_message(db.session, "indlagt", other.patient_id,
                                {"admission_reason": "andet"}, "psyk.kbh")
        db.session.commit()
        return f"/forloeb/{opstart.id}/opgaver/{audit}", other.patient_id


@pytest.mark.parametrize("width,height", [(1280, 800), (320, 640)])
def test_sticky_bar_never_covers_the_focused_field(live_server, browser, admitted, width, height):
    context = browser.new_context(locale="da-DK", viewport={"width": width, "height": height})
    page = context.new_page()
    login(page, live_server, "psyk.kbh")
    page.goto(live_server + admitted[0])
    page.wait_for_selector("#task-form")
    stops, covered = 0, []
    for _ in range(120):
        page.keyboard.press("Tab")
        where = page.evaluate(_COVER)
        if where is None:
            continue
        stops += 1
        if where["covered"]:
            covered.append(where["name"])
        if page.evaluate("document.activeElement.closest('.form-actions') !== null"):
            break
    context.close()
    assert stops >= 10 and covered == [], covered


def test_patient_page_with_the_longest_phase_fits_320_px(live_server, browser, admitted):
    context = browser.new_context(locale="da-DK", viewport={"width": 320, "height": 640})
    page = context.new_page()
    login(page, live_server, "psyk.kbh")
    page.goto(f"{live_server}/patienter/{admitted[1]}")
    assert "Henvendelse i akutfunktion/modtagelse" in page.locator("#phase").inner_text()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    context.close()
    assert overflow <= 0
