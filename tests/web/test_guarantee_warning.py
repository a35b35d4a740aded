"""The 14-day guarantee warning on the patient page and the worklist, from pathway columns."""
from datetime import UTC, date, datetime, timedelta

import pytest

from engine.models import Pathway
from tests.web import pathway_setup as setup
from webui.common.timeutil import local_today
from webui.extensions import db
from webui.pathways.guarantee import read

TODAY = date(2026, 3, 10)


STARTED = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize("due, fact, started, status, expected", [
    (TODAY + timedelta(days=3), "open", None, "active", 3),
    (TODAY, "open", None, "active", 0),
    (TODAY + timedelta(days=4), "open", None, "active", None),   # not yet
    (TODAY - timedelta(days=1), "open", None, "active", None),   # already overdue: breached
    (TODAY + timedelta(days=1), "breached", None, "active", None),
    (TODAY + timedelta(days=1), "met", STARTED, "active", None),  # treatment started
    (TODAY + timedelta(days=1), "lapsed", None, "ended", None),
    (None, None, None, "active", None),
])
def test_warning_of_the_guarantee_fact(due, fact, started, status, expected):
    assert read(due, fact, None, started, None, status, None, today=TODAY).warning == expected


def test_open_past_the_deadline_reads_as_breached_the_day_after():
    fact = read(TODAY - timedelta(days=1), "open", None, None, None, "active", None, today=TODAY)
    assert (fact.status, fact.decided_on) == ("breached", TODAY)


def _referred_due_in(app, days, breached=False):
    """A referred pathway whose guarantee runs out in `days` days (local calendar)."""
    with app.test_request_context():
        pathway = setup.refer()
        row = db.session.get(Pathway, pathway.id)
        row.guarantee_due = local_today() + timedelta(days=days)
        row.guarantee_breached = breached
        row.guarantee_status = "breached" if breached else "open"
        db.session.commit()
        return pathway.patient_id, row.guarantee_due


def test_patient_page_warns_when_the_guarantee_runs_out_soon(app, client, auth):
    patient_id, _ = _referred_due_in(app, 2)
    auth.login("psyk.kbh")
    body = client.get(f"/patienter/{patient_id}").get_data(as_text=True)
    assert 'id="guarantee-warning"' in body
    assert "14-dages garantien udløber om 2 dage" in body and "Udløber snart" in body
    client.post("/lang", data={"lang": "en"})
    body = client.get(f"/patienter/{patient_id}").get_data(as_text=True)
    assert "The 14-day guarantee runs out in 2 days" in body


def test_patient_page_says_today_on_the_last_day(app, client, auth):
    patient_id, _ = _referred_due_in(app, 0)
    auth.login("psyk.kbh")
    assert "14-dages garantien udløber i dag" in client.get(
        f"/patienter/{patient_id}").get_data(as_text=True)


@pytest.mark.parametrize("days, breached", [(10, False), (1, True)])
def test_no_warning_when_far_away_or_breached(app, client, auth, days, breached):
    patient_id, _ = _referred_due_in(app, days, breached)
    auth.login("psyk.kbh")
    assert 'id="guarantee-warning"' not in client.get(
        f"/patienter/{patient_id}").get_data(as_text=True)


def test_worklist_row_is_marked(app, client, auth):
    _referred_due_in(app, 1)
    with app.app_context():
        setup.refer(cpr="0202902468", name="Ulla Uden Frist")   # guarantee due in 14 days
    auth.login("psyk.kbh")
    body = client.get("/").get_data(as_text=True)
    rows = body.split("<tr class=")[1:]                  # one per task row
    marked = [row for row in rows if "guarantee-soon" in row]
    assert len(rows) == 2 and len(marked) == 1
    assert "Bent Testesen" in marked[0] and "Garantien udløber snart" in marked[0]
