"""Paths through the outpatient and inpatient stages, via the engine facade (SQLite and PostgreSQL)."""
import pytest
from sqlalchemy import select

from engine import service
from engine.errors import PathwayAlreadyActive
from engine.models import PathwayRun
from tests.integration.pathway_driver import Driver, at
from webui.extensions import db


@pytest.fixture
def session(app):
    with app.app_context():
        yield db.session


@pytest.fixture
def drv(session):
    return Driver(session, at("2025-09-01"))


def test_opstart_offers_tools_in_three_lanes_then_decides(drv):
    pathway = drv.enrol(drv.refer("1101901001"))
    rows = {r.task_spec: r for r in drv.items(pathway)}
    assert {r.lane for r in rows.values()} == {"psykiatri", "kommune"}
    assert rows["opstart_audit"].form_id == "audit" and rows["opstart_plan"].lane == "kommune"
    pathway = drv.through_opstart(pathway, "stabil")
    assert (pathway.stage, pathway.phase) == ("stabil", "Stabil")


def test_ustabil_and_stabil_alternate_many_times_with_recurring_activities(drv):
    pathway = drv.through_opstart(drv.enrol(drv.refer("1101901002")), "ustabil")
    for _round_no in range(6):
        assert pathway.stage == "ustabil"
        pathway = drv.do(pathway, "ustabil_activity", activity_type="behandlingssamtale")
        pathway = drv.do(pathway, "ustabil_municipal", activity_type="netvaerksmoede")
        assert pathway.stage == "ustabil"
        pathway = drv.do(pathway, "ustabil_assess", phase_decision="stabil")
        assert pathway.stage == "stabil"
        pathway = drv.do(pathway, "stabil_activity", activity_type="plan_opdatering")
        pathway = drv.do(pathway, "stabil_assess", phase_decision="ustabil")
    assert pathway.stage == "ustabil" and pathway.status == "active"
    lanes = {r.lane for r in drv.items(pathway) if r.kind == "task"}
    assert lanes == {"psykiatri", "kommune", "tovholder"}
    done = [r.task_spec for r in service.history(drv.session, pathway.id) if r.kind == "task"]
    assert done.count("ustabil_assess") == 6 and done.count("stabil_assess") == 6


def test_reassessment_timer_asks_whether_the_phase_still_fits(drv):
    pathway = drv.through_opstart(drv.enrol(drv.refer("1101901003")), "ustabil")
    assert "ustabil_reassess" not in drv.ready(pathway)
    drv.advance(at("2025-10-27", 8))   # eight weeks after entering Ustabil on 2025-09-01
    assert "ustabil_reassess" in drv.ready(pathway)
    pathway = drv.do(pathway, "ustabil_reassess", phase_decision="stabil")
    assert pathway.stage == "stabil"


@pytest.mark.parametrize("stage,return_to", [("opstart", "stabil"), ("ustabil", "ustabil"),
                                             ("stabil", "overgang"), ("overgang", "opstart")])
def test_admission_from_each_outpatient_phase_and_return_to_the_chosen_phase(drv, stage, return_to):
    pathway = drv.to_stage(drv.refer("1101901004"), stage)
    assert pathway.stage == stage
    pathway = drv.message("indlagt", pathway)
    assert (pathway.stage, pathway.phase) == ("indlagt", "Henvendelse i akutfunktion/modtagelse")
    assert drv.ready(pathway) == ["indlagt_contact"]
    pathway = drv.discharge(pathway, return_to)
    assert pathway.stage == return_to and pathway.status == "active"
    assert drv.ready(pathway), "the outpatient work resumes"
    # one run until the treatment activity was registered, one more until the discharge
    runs = drv.session.scalars(select(PathwayRun).where(PathwayRun.pathway_id == pathway.id,
                                                        PathwayRun.stage == "indlagt")
                               .order_by(PathwayRun.run_no)).all()
    assert [r.next_stage for r in runs] == ["indlagt", return_to]
    stay = runs[-1]
    assert stay.next_stage == return_to and stay.data["admitted_from"] == stage
    assert [(n["event"], n["to"], n["from"]) for n in stay.data["notifications"]] == [
        ("admitted", "kommune-koebenhavn", "region-hovedstaden"),
        ("discharged", "kommune-koebenhavn", "region-hovedstaden")]


def test_discharge_message_returns_to_ustabil_by_default(drv):
    pathway = drv.to_stage(drv.refer("1101901005"), "stabil")
    pathway = drv.message("indlagt", pathway)
    drv.do(pathway, "indlagt_contact")
    pathway = drv.message("udskrevet", pathway)
    assert pathway.stage == "ustabil"


def test_discharge_message_may_name_the_return_phase(drv):
    pathway = drv.to_stage(drv.refer("1101901006"), "ustabil")
    pathway = drv.message("indlagt", pathway)
    pathway = drv.message("udskrevet", pathway, return_stage="stabil")
    assert pathway.stage == "stabil"


def test_overgang_to_the_end_and_a_linked_re_referral(drv):
    first = drv.to_stage(drv.refer("1101901007"), "overgang")
    first = drv.do(first, "overgang_assess", phase_decision="gennemfoer")
    first = drv.do(first, "overgang_handover", handover_to="koordineret_behandling")
    assert first.status == "active"
    first = drv.do(first, "overgang_plan")
    assert (first.status, first.end_reason) == ("ended", "Overdraget til koordineret behandling")
    assert drv.items(first) == []

    drv.now = drv.later(120)
    second = drv.refer("1101901007")
    assert second.id != first.id and second.previous_pathway_id == first.id
    assert (second.stage, second.status) == ("henvisning", "active")
    with pytest.raises(PathwayAlreadyActive):
        drv.refer("1101901007")


def test_overgang_can_go_back_to_treatment(drv):
    pathway = drv.to_stage(drv.refer("1101901008"), "overgang")
    pathway = drv.do(pathway, "overgang_assess", phase_decision="ustabil")
    assert pathway.stage == "ustabil"
