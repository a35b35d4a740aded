"""`flask demo seed --patients N` drives the real engine over 2024 to today, with a late region."""
from datetime import date

from sqlalchemy import func, select

from engine import clock, service
from engine.models import Pathway, PathwayRun, PhaseStay, TaskRecord
from webui.dashboards import filters as flt
from webui.dashboards import hours
from webui.demo.phase_in import deploy_demo_plan
from webui.demo.population import seed_population
from webui.demo.seed import seed_organisations, seed_users
from webui.extensions import db


def test_population_spreads_pathways_and_shows_a_future_group_3_date(app, demo_runner):
    with app.app_context():  # what `flask demo seed --patients 12` adds, without the 32 fixed ones
        seed_organisations()
        seed_users()
        deploy_demo_plan(db.session, app.config["BPMN_DIR"], clock.today())
        db.session.commit()
        assert seed_population(db.session, 12) == 12
        dates = service.phase_in_dates(db.session, ["sjaelland", "hovedstaden"])
        assert dates[("sjaelland", 3)] > clock.today()            # the demo's late region
        assert dates[("hovedstaden", 3)] == date(2026, 7, 1)       # national default kept
        assert "demo" in service.latest_version(db.session).note
        pathways = db.session.scalars(select(Pathway)).all()
        assert len(pathways) == 12
        earliest = min(p.started_at for p in pathways).date()
        assert earliest < date(2025, 6, 1)                         # spread back towards 2024
        waiting = [p for p in pathways if p.waiting_until and p.status == "active"]
        assert any(p.region_org == "region-sjaelland" and p.group_no == 3 for p in waiting)
        assert db.session.scalar(select(func.count()).select_from(PathwayRun)) > len(pathways)
        assert db.session.scalar(select(func.count()).select_from(TaskRecord).where(
            TaskRecord.kind == "task")) > 100
        # registered hours land in stays, so the quality view's hours table has content
        assert db.session.scalar(select(func.sum(PhaseStay.minutes))) > 0
        with app.test_request_context():
            assert hours.compute(flt.Filters())
    again = demo_runner.invoke(args=["demo", "seed", "--patients", "bad"])
    assert again.exit_code != 0
