"""An aged pathway (many Ustabil⇄Stabil turns and recurring activities) stays correct and small."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine import service
from engine.models import Pathway, PathwayRun, TaskRecord
from engine.runtime import pathways, spiff
from tests.fixtures.engine import START_DATA
from tests.integration.engine_helpers import T0, complete, new_patient, only_task, start, to_ustabil
from webui.extensions import db

TURNS = 120  # each turn: Ustabil→Stabil, one recurring Stabil follow-up, Stabil→Ustabil


def state_size(session, pathway_id):
    return len(session.scalar(select(Pathway.state).where(Pathway.id == pathway_id)))


def test_aged_pathway_is_correct_bounded_and_ends_properly(app):
    with app.app_context():
        session = db.session
        pathway = start(session)
        to_ustabil(session, pathway.id)
        now = T0 + timedelta(days=3)
        fresh_size = state_size(session, pathway.id)
        for _turn in range(TURNS):
            now += timedelta(days=7)
            complete(session, pathway.id, "ustabil_aktivitet", {"stable": True}, now=now)
            complete(session, pathway.id, "opfoelgning", {"relapse": False, "done": False},
                     now=now)
            complete(session, pathway.id, "opfoelgning", {"relapse": True, "done": False},
                     now=now)
            assert pathway.stage == "ustabil" and pathway.status == "active"
        aged_size = state_size(session, pathway.id)
        assert aged_size < fresh_size * 1.2, (fresh_size, aged_size)

        # The live workflow is one short run: right ready task, not completed.
        live = pathways.load(session, pathway.id)
        assert not live.workflow.is_completed()
        assert [t.task_spec.bpmn_id for t in spiff.ready_user_tasks(live.workflow)] == [
            "ustabil_aktivitet"]
        assert len(live.workflow.tasks) < 30
        assert live.data["followups"] == TURNS
        item = only_task(session, pathway.id, "ustabil_aktivitet")
        assert item.org_code == "kommune-koebenhavn"
        session.rollback()

        # Full history remains queryable from rows.
        tasks = session.scalar(select(func.count(TaskRecord.id)).where(
            TaskRecord.pathway_id == pathway.id, TaskRecord.kind == "task"))
        assert tasks == 2 + 3 * TURNS
        runs = session.scalar(select(func.count(PathwayRun.id)).where(
            PathwayRun.pathway_id == pathway.id))
        assert runs == 2 + 3 * TURNS

        # And it still ends properly.
        complete(session, pathway.id, "ustabil_aktivitet", {"stable": True}, now=now)
        complete(session, pathway.id, "opfoelgning", {"relapse": False, "done": True}, now=now)
        assert pathway.stage == "overgang"
        complete(session, pathway.id, "afslutning", {}, now=now)
        assert (pathway.status, pathway.end_reason) == ("ended", "afsluttet")
        assert pathway.next_due_at is None and pathway.state is None


REAL_WALK = [("visitation", {"visitation_decision": "optaget", "phase_in_date": "2026-01-05"}),
             ("indskrivning", {}), ("opstart_audit", {}), ("opstart_dudit", {}),
             ("opstart_suicide", {}), ("opstart_medicine", {}), ("opstart_plan", {}),
             ("opstart_harm", {}), ("opstart_assess", {"phase_decision": "ustabil"})]


def click(session, pathway_id, spec, data, now):
    [item] = [i for i in service.ready_tasks(session, pathway_id) if i.task_spec == spec]
    service.complete_task(session, pathway_id, item.task_id, data, "bob", now=now)
    session.commit()


def test_aged_real_pathway(app):
    """The real bpmn/ pathway through many Ustabil⇄Stabil turns, then to its end."""
    with app.app_context():
        session = db.session
        if service.deploy_directory(session, app.config["BPMN_DIR"], "system") is None:
            pytest.skip("bpmn/ is empty")
        session.commit()
        patient = new_patient(session)
        data = dict(START_DATA, patient_id=patient.id)
        pathway = service.start_pathway(session, patient.id, data, "alice", now=T0)
        session.commit()
        now = T0
        for spec, answers in REAL_WALK:
            click(session, pathway.id, spec, answers, now)
        assert pathway.stage == "ustabil"
        fresh = state_size(session, pathway.id)
        for _ in range(40):
            now += timedelta(days=7)
            click(session, pathway.id, "ustabil_activity", {}, now)          # recurring
            click(session, pathway.id, "ustabil_assess", {"phase_decision": "stabil"}, now)
            click(session, pathway.id, "stabil_activity", {}, now)           # recurring
            click(session, pathway.id, "stabil_assess", {"phase_decision": "ustabil"}, now)
        assert pathway.stage == "ustabil" and pathway.status == "active"
        assert state_size(session, pathway.id) < fresh * 1.2
        assert {i.task_spec for i in service.ready_tasks(session, pathway.id)} == {
            "ustabil_activity", "ustabil_municipal", "ustabil_assess"}
        live = pathways.load(session, pathway.id)
        assert not live.workflow.is_completed()
        session.rollback()
        click(session, pathway.id, "ustabil_assess", {"phase_decision": "overgang"}, now)
        assert pathway.stage == "overgang"
        click(session, pathway.id, "overgang_assess", {"phase_decision": "afslut"}, now)
        # the handover and the plan end the pathway; the optional experience form is withdrawn
        for spec in ("overgang_handover", "overgang_plan"):
            click(session, pathway.id, spec, {"handover_to": "primaer_sektor"}, now)
        assert pathway.status == "ended" and pathway.end_reason
        assert service.ready_tasks(session, pathway.id) == []
