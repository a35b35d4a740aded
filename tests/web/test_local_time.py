"""Every date shown or entered is Danish local time (Europe/Copenhagen); storage stays UTC."""
from datetime import UTC, date, datetime

import pytest

from tests.web import pathway_setup as setup
from webui.common.templating import fmt_date, fmt_datetime
from webui.common.timeutil import is_overdue, local_date, local_midnight_utc, local_today, overdue_before
from webui.pathways import referral_form

UTC = UTC


@pytest.mark.parametrize("stored, shown", [
    # a deadline "8 December" is stored as local midnight: 23:00 UTC the day before (winter)
    (datetime(2026, 12, 7, 23, 0, tzinfo=UTC), date(2026, 12, 8)),
    (datetime(2026, 12, 7, 22, 59, tzinfo=UTC), date(2026, 12, 7)),
    # summer time: local midnight is 22:00 UTC
    (datetime(2026, 6, 30, 22, 0, tzinfo=UTC), date(2026, 7, 1)),
    # the spring change (29 March 2026, 02:00 → 03:00): midnight before it is still CET
    (datetime(2026, 3, 28, 23, 0, tzinfo=UTC), date(2026, 3, 29)),
    (datetime(2026, 3, 29, 22, 0, tzinfo=UTC), date(2026, 3, 30)),
    # the autumn change (25 October 2026, 03:00 → 02:00): midnight before it is CEST
    (datetime(2026, 10, 24, 22, 0, tzinfo=UTC), date(2026, 10, 25)),
    (datetime(2026, 10, 25, 23, 0, tzinfo=UTC), date(2026, 10, 26)),
    (datetime(2026, 10, 25, 22, 30), date(2026, 10, 25)),   # naive values are UTC (SQLite)
    ("2026-12-07T23:00:00+00:00", date(2026, 12, 8)),
    ("2026-12-08", date(2026, 12, 8)),
])
def test_stored_datetimes_are_shown_as_danish_dates(stored, shown):
    assert local_date(stored) == shown


@pytest.mark.parametrize("day, utc", [
    (date(2026, 3, 29), datetime(2026, 3, 28, 23, 0, tzinfo=UTC)),
    (date(2026, 3, 30), datetime(2026, 3, 29, 22, 0, tzinfo=UTC)),
    (date(2026, 10, 25), datetime(2026, 10, 24, 22, 0, tzinfo=UTC)),
    (date(2026, 10, 26), datetime(2026, 10, 25, 23, 0, tzinfo=UTC)),
])
def test_local_midnight_around_both_daylight_saving_changes(day, utc):
    assert local_midnight_utc(day) == utc


def test_today_changes_at_danish_midnight_not_utc_midnight():
    assert local_today(datetime(2026, 12, 7, 22, 59, tzinfo=UTC)) == date(2026, 12, 7)
    assert local_today(datetime(2026, 12, 7, 23, 0, tzinfo=UTC)) == date(2026, 12, 8)
    assert local_today(datetime(2026, 7, 1, 21, 59, tzinfo=UTC)) == date(2026, 7, 1)
    assert local_today(datetime(2026, 7, 1, 22, 0, tzinfo=UTC)) == date(2026, 7, 2)


def test_a_date_deadline_is_on_time_all_through_its_danish_day():
    due = local_midnight_utc(date(2026, 12, 8))
    assert not is_overdue(due, now=datetime(2026, 12, 8, 22, 59, tzinfo=UTC))  # 23:59 local
    assert is_overdue(due, now=datetime(2026, 12, 8, 23, 0, tzinfo=UTC))       # 00:00 on the 9th
    assert not is_overdue(date(2026, 12, 8), now=datetime(2026, 12, 8, 22, 0, tzinfo=UTC))
    assert overdue_before(datetime(2026, 10, 25, 12, 0, tzinfo=UTC)) == \
        datetime(2026, 10, 24, 22, 0, tzinfo=UTC)


def test_filters_format_in_danish_time(app):
    with app.test_request_context():
        assert fmt_date(datetime(2026, 12, 7, 23, 0, tzinfo=UTC)) == "8. dec. 2026"
        assert fmt_datetime(datetime(2026, 10, 25, 0, 30, tzinfo=UTC)) == "25.10.2026 02.30"
        assert fmt_datetime(datetime(2026, 10, 25, 1, 30, tzinfo=UTC)) == "25.10.2026 02.30"
        assert fmt_datetime("2026-03-29T01:30:00+00:00") == "29.03.2026 03.30"


def test_task_deadline_is_the_same_day_on_every_page(app, client, auth):
    """Opstart tasks are due 28 days after the stage began; every page shows that Danish date."""
    entered = datetime(2026, 11, 9, 23, 30, tzinfo=UTC)   # 00:30 on 10 November in Denmark
    with app.test_request_context():
        pathway = setup.refer(received=date(2026, 11, 9), now=entered)
        setup.complete(pathway.id, "visitation", {"visitation_decision": "inkluderet"}, now=entered)
        setup.complete(pathway.id, "indskrivning", setup.ENROL, now=entered)
        item = setup.item_for(pathway.id, "audit")
        task_id, patient_id = item.task_id, pathway.patient_id
        assert local_date(item.due_at) == date(2026, 12, 8)
    auth.login("psyk.kbh")
    page = client.get(f"/patienter/{patient_id}").get_data(as_text=True)
    assert "frist 8. dec. 2026" in page and "7. dec. 2026" not in page
    task = client.get(f"/forloeb/{pathway.id}/opgaver/{task_id}").get_data(as_text=True)
    assert "8. dec. 2026" in task


def test_referral_date_defaults_to_the_danish_day(app, client, auth, monkeypatch):
    late_evening = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # already 1 January in Denmark
    monkeypatch.setattr(referral_form, "local_today", lambda: local_today(late_evening))
    auth.login("psyk.kbh")
    assert 'value="2027-01-01"' in client.get("/henvisning").get_data(as_text=True)
