"""The dashboards count Danish days: period filter, months and "overdue" (not UTC days).

Five referrals at 00:30 Danish time on 1 November 2025 (23:30 UTC on 31 October) belong to
November; a task due today is not overdue, one due yesterday is.
"""
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import literal, select
from sqlalchemy.types import DateTime

from engine.clock import LOCAL_TZ
from engine.models import DefinitionVersion, Pathway, PathwayRun, Patient, WorklistItem
from engine.runtime.projection import judge_guarantee
from webui.dashboards import filters as flt
from webui.dashboards import phase_in, quality, quality_data
from webui.dashboards.sqlfn import danish_month
from webui.demo.seed import seed_organisations
from webui.extensions import db

TODAY = date(2025, 11, 3)
HALF_PAST_MIDNIGHT = datetime(2025, 11, 1, 0, 30, tzinfo=LOCAL_TZ).astimezone(UTC)
N = 5


def _local_midnight(day):
    return datetime.combine(day, time(0), LOCAL_TZ).astimezone(UTC)


@pytest.fixture
def rows(app):
    assert HALF_PAST_MIDNIGHT.date() == date(2025, 10, 31)   # a UTC day would say October
    with app.app_context():
        seed_organisations()
        version = DefinitionVersion(content_hash="d" * 64, files={}, process_ids=[],
                                    deployed_by="test")
        db.session.add(version)
        db.session.flush()
        for n in range(N):
            patient = Patient(cpr=f"01018{n}0000", name=f"Nat {n}", sex="M",
                              birth_date=date(1980, 1, 1), region="hovedstaden",
                              municipality="koebenhavn")
            db.session.add(patient)
            db.session.flush()
            pathway = Pathway(
                patient_id=patient.id, version_id=version.id, status="active", stage="opstart",
                region_org="region-hovedstaden", municipality_org="kommune-koebenhavn",
                group_no=1, guarantee_due=date(2025, 11, 15), started_at=HALF_PAST_MIDNIGHT,
                run_started_at=HALF_PAST_MIDNIGHT, run_no=1,
                treatment_started_at=HALF_PAST_MIDNIGHT)
            judge_guarantee(pathway, HALF_PAST_MIDNIGHT)
            db.session.add(pathway)
            db.session.flush()
            db.session.add(PathwayRun(pathway_id=pathway.id, run_no=1, stage="henvisning",
                                      version_id=version.id, started_at=HALF_PAST_MIDNIGHT,
                                      ended_at=HALF_PAST_MIDNIGHT, next_stage="opstart", data={}))
            for k, due in enumerate((TODAY, TODAY - timedelta(days=1))):
                db.session.add(WorklistItem(
                    pathway_id=pathway.id, patient_id=patient.id, task_id=f"t{n}-{k}",
                    task_spec="t", title="Opgave", kind="task", lane="psykiatri",
                    org_code="region-hovedstaden", due_at=_local_midnight(due)))
        db.session.commit()


def test_a_start_at_half_past_midnight_on_1_november_is_novembers(app, rows):
    with app.test_request_context():
        november = flt.Filters(date_from=date(2025, 11, 1), date_to=date(2025, 11, 30))
        october = flt.Filters(date_from=date(2025, 10, 1), date_to=date(2025, 10, 31))
        cell = {(r["org"], r["group"]): r for r in phase_in.table(november, {}, TODAY)}
        assert cell[("region-hovedstaden", 1)]["referred"] == N
        cell = {(r["org"], r["group"]): r for r in phase_in.table(october, {}, TODAY)}
        assert cell[("region-hovedstaden", 1)]["referred"] == 0
        chart = phase_in.enrolment(flt.Filters(group=1), {}, TODAY)
        series = chart["series"][0]
        assert series["monthly"][chart["labels"].index("2025-10")] in (0, None)
        assert series["actual"][chart["labels"].index("2025-10")] in (0, None)
        assert series["actual"][chart["labels"].index("2025-11")] == N
        r = quality.compute(november, TODAY)
        assert (r["guarantee"].num, r["guarantee"].den) == (N, N)
        assert dict(r["guarantee"].months) == {"2025-11": [N, N]}
        assert dict(r["waits"].months) == {"2025-11": [0] * N}
        assert dict(r["tovholder"].months) == {"2025-11": [0, N]}
        assert dict(r["stays"]["henvisning"].months) == {"2025-11": [0.0] * N}
        assert quality.compute(october, TODAY)["guarantee"].den == 0


def test_overdue_leaves_out_tasks_due_today(app, rows):
    with app.test_request_context():
        app.config["DASHBOARD_TODAY"] = TODAY
        overdue = quality_data(flt.Filters(), TODAY)["overdue"]
        assert [(r["org"], r["lane"], r["count"]) for r in overdue] == [
            ("region-hovedstaden", "psykiatri", N)]   # the 5 due yesterday, not the 5 due today


def test_the_database_puts_a_moment_in_its_danish_month(app):
    """sqlfn.danish_month (the contact hours' month) agrees with Python's Danish clock around
    every month start of two years, summer and winter time alike."""
    moments = []
    for year in (2025, 2026):
        for month in range(1, 13):
            start = datetime(year, month, 1, tzinfo=LOCAL_TZ).astimezone(UTC)
            moments += [start + timedelta(minutes=m) for m in (-90, -61, -30, -1, 0, 1, 59, 90)]
    with app.app_context():
        for moment in moments:
            got = db.session.scalar(select(danish_month(literal(moment, DateTime(timezone=True)))))
            assert got == moment.astimezone(LOCAL_TZ).strftime("%Y-%m"), moment
