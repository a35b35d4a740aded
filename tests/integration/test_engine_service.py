"""The engine facade end to end on the loop bundle (SQLite or PostgreSQL)."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import service
from engine.clock import as_utc
from engine.errors import Conflict, EngineError, NoRecipient, NotFound, PathwayAlreadyActive, TaskNotReady
from engine.models import (
    AuditEntry,
    AwaitedMessage,
    DefinitionVersion,
    Pathway,
    PathwayParticipant,
    PathwayRun,
    TaskRecord,
    WorklistItem,
)
from engine.runtime import pathways, spiff
from engine.service import InvalidInput
from tests.fixtures.engine import LOOP_FORMS, START_DATA, loop_files
from tests.integration.engine_helpers import T0, complete, deploy_loop, new_patient, only_task, start, to_ustabil
from webui.extensions import db


@pytest.fixture
def session(app):
    with app.app_context():
        yield db.session


def test_deploy_is_immutable_and_idempotent(session):
    first = deploy_loop(session)
    again = service.deploy_bundle(session, loop_files(), "someone", known_forms=LOOP_FORMS)
    assert again.id == first.id and again.deployed_by == "tester"
    files = loop_files()
    files["loop.bpmn"] = files["loop.bpmn"].replace(b"P60D", b"P90D")
    second = service.deploy_bundle(session, files, "carol", known_forms=LOOP_FORMS)
    session.commit()
    assert second.id != first.id and second.content_hash != first.content_hash
    assert service.latest_version(session).id == second.id
    assert session.scalar(select(func.count(DefinitionVersion.id))) == 2
    assert session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "definition.deploy")) == 2


def test_invalid_upload_changes_nothing(session):
    files = loop_files()
    files["loop.bpmn"] = files["loop.bpmn"].replace(b'value="aktivitet"', b'value="x"')
    with pytest.raises(Exception):
        service.deploy_bundle(session, files, "carol", known_forms=LOOP_FORMS)
    session.rollback()
    assert session.scalar(select(func.count(DefinitionVersion.id))) == 0


def test_real_bpmn_directory_deploys(session, app):
    version = service.deploy_directory(session, app.config["BPMN_DIR"], "system")
    if version is None:
        pytest.skip("bpmn/ is empty")
    assert "henvisning" in version.process_ids


def test_start_and_worklist_projection(session):
    pathway = start(session)
    assert pathway.stage == "henvisning" and pathway.status == "active"
    item = only_task(session, pathway.id, "visitation")
    assert (item.kind, item.lane, item.role, item.org_code, item.form_id) == (
        "task", "psykiatri", "regional_clinician", "region-hovedstaden", "visitation")
    assert item.phase == "Visitation" and item.patient_name == "Patient 1"
    assert item.due_at is not None and item.due_at.date().isoformat() in ("2026-01-18",
                                                                         "2026-01-19")
    orgs = set(session.scalars(select(PathwayParticipant.org_code)))
    assert orgs == {"region-hovedstaden", "kommune-koebenhavn"}
    with pytest.raises(PathwayAlreadyActive):
        service.start_pathway(session, pathway.patient_id, dict(START_DATA), "alice")


def test_worklist_queries_never_load_a_workflow(session, monkeypatch):
    pathway = start(session)
    monkeypatch.setattr(spiff, "load", lambda *a: pytest.fail("workflow loaded"))
    assert service.ready_tasks(session, pathway.id)


def test_dmn_timer_wait_row_and_summary(session):
    pathway = start(session)
    complete(session, pathway.id, "visitation",
             {"accepted": True, "severity": 5, "waiting_until": "2026-01-20",
              "tovholder_org": "kommune-koebenhavn", "tovholder": "bob"})
    assert pathway.stage == "opstart" and pathway.group_no == 2
    assert pathway.guarantee_due.isoformat() == "2026-02-04"
    assert pathway.waiting_until.isoformat() == "2026-01-20"
    [wait] = session.scalars(select(WorklistItem).where(WorklistItem.kind == "wait")).all()
    assert wait.title.startswith("Venter") and wait.org_code == "kommune-koebenhavn"
    assert service.ready_tasks(session, pathway.id) == []
    assert service.tick(session, now=datetime(2026, 1, 19, tzinfo=UTC)) == 0
    assert service.tick(session, now=datetime(2026, 1, 21, tzinfo=UTC)) == 1
    session.commit()
    item = only_task(session, pathway.id, "opstart_vurdering")
    assert (item.role, item.org_code) == ("tovholder", "kommune-koebenhavn")
    assert pathway.next_due_at is None
    assert session.scalar(select(func.count(TaskRecord.id)).where(TaskRecord.kind == "timer")) == 1


def test_complete_errors(session):
    pathway = start(session)
    item = only_task(session, pathway.id)
    with pytest.raises(TaskNotReady):
        service.complete_task(session, pathway.id, "00000000-0000-0000-0000-000000000000", {}, "x")
    with pytest.raises(TaskNotReady):
        service.complete_task(session, pathway.id, "not-a-uuid", {}, "x")
    with pytest.raises(Conflict):
        service.complete_task(session, pathway.id, item.task_id, {}, "x", expected_lock=999)
    with pytest.raises(NotFound):
        service.complete_task(session, 999999, item.task_id, {}, "x")
    session.rollback()
    service.complete_task(session, pathway.id, item.task_id, {"accepted": False, "severity": 1}, "x")
    session.commit()
    with pytest.raises(EngineError):  # the pathway has ended
        service.complete_task(session, pathway.id, item.task_id, {}, "x")


def test_rejection_ends_the_pathway_and_allows_re_referral(session):
    pathway = start(session)
    complete(session, pathway.id, "visitation", {"accepted": False, "severity": 1})
    assert (pathway.status, pathway.end_reason, pathway.state) == ("ended", "afvist", None)
    assert service.ready_tasks(session, pathway.id) == []
    again = service.start_pathway(session, pathway.patient_id, dict(START_DATA), "alice")
    assert again.previous_pathway_id == pathway.id


def test_stale_second_writer_gets_conflict_and_writes_nothing(session, app):
    pathway = start(session)
    item = only_task(session, pathway.id)
    other = Session(db.engine)
    try:
        live = pathways.load(other, pathway.id)   # the other user loads first...
        service.complete_task(session, pathway.id, item.task_id, {"accepted": False, "severity": 1}, "a")
        session.commit()                          # ...but this one saves first
        task = spiff.user_task(live.workflow, item.task_id)
        task.data.update({"accepted": True, "severity": 1, "waiting_until": "2026-02-01"})
        task.run()
        live.workflow.do_engine_steps()
        pathways.settle(other, live, T0)
        records_before = session.scalar(select(func.count(TaskRecord.id)))
        with pytest.raises(Conflict):
            pathways.save(other, live, T0)
    finally:
        other.close()
    session.expire_all()
    assert session.scalar(select(func.count(TaskRecord.id))) == records_before
    assert session.get(Pathway, pathway.id).end_reason == "afvist"


def test_claim_release_and_drafts(session):
    pathway = start(session)
    item = only_task(session, pathway.id)
    service.claim_task(session, item.id, "bob")
    with pytest.raises(Conflict):
        service.claim_task(session, item.id, "carol")
    with pytest.raises(Conflict):
        service.release_task(session, item.id, "carol")
    service.release_task(session, item.id, "bob")
    assert item.assignee is None
    service.claim_task(session, item.id, "bob")
    service.save_draft(session, pathway.id, item.task_id, {"severity": 3}, "bob")
    session.commit()
    assert service.get_draft(session, pathway.id, item.task_id).data == {"severity": 3}
    complete(session, pathway.id, "visitation", {"accepted": False, "severity": 1})
    assert service.get_draft(session, pathway.id, item.task_id) is None


def test_claim_survives_other_steps(session):
    pathway = start(session)
    to_ustabil(session, pathway.id)
    item = only_task(session, pathway.id, "ustabil_aktivitet")
    service.claim_task(session, item.id, "bob")
    session.commit()
    service.tick(session, now=T0 + timedelta(days=1))
    assert only_task(session, pathway.id).assignee == "bob"


def test_messages_by_correlation(session):
    pathway = start(session)
    other = start(session, n=2)
    with pytest.raises(NoRecipient):
        service.deliver_message(session, "indlagt", pathway.patient_id, {}, "system")
    session.rollback()
    to_ustabil(session, pathway.id)
    assert set(session.scalars(select(AwaitedMessage.name).where(
        AwaitedMessage.pathway_id == pathway.id))) == {"indlagt"}
    service.deliver_message(session, "indlagt", pathway.patient_id, {"afdeling": "P1"}, "adt")
    session.commit()
    assert pathway.stage == "indlagt" and service.ready_tasks(session, pathway.id) == []
    assert session.get(Pathway, other.id).stage == "henvisning"
    with pytest.raises(NoRecipient, match="indlagt"):
        service.deliver_message(session, "indlagt", pathway.patient_id, {}, "adt")
    session.rollback()
    service.deliver_message(session, "udskrevet", pathway.patient_id, {"udskrevet": "2026-02-01"},
                            "adt")
    session.commit()
    assert pathway.stage == "ustabil"
    [msg] = [r for r in service.history(session, pathway.id) if r.kind == "message"][:1]
    assert msg.data == {"afdeling": "P1"} and msg.actor == "adt"


def test_history_is_complete(session):
    pathway = start(session)
    to_ustabil(session, pathway.id)
    complete(session, pathway.id, "ustabil_aktivitet", {"stable": True}, actor="carol",
             now=T0 + timedelta(days=3))
    kinds = [(r.kind, r.task_spec) for r in service.history(session, pathway.id)]
    assert kinds == [("start", "henvisning"), ("task", "visitation"), ("stage", "opstart"),
                     ("timer", "venter"), ("task", "opstart_vurdering"), ("stage", "ustabil"),
                     ("task", "ustabil_aktivitet"), ("stage", "stabil")]
    last_task = [r for r in service.history(session, pathway.id) if r.kind == "task"][-1]
    assert (last_task.actor, last_task.data, last_task.lane, last_task.form_id) == (
        "carol", {"stable": True}, "kommune", "aktivitet")
    assert last_task.version_id == pathway.version_id
    runs = session.scalars(select(PathwayRun).order_by(PathwayRun.run_no)).all()
    assert [r.stage for r in runs] == ["henvisning", "opstart", "ustabil"]


def test_boundary_timer_deadline(session):
    pathway = start(session)
    to_ustabil(session, pathway.id)
    complete(session, pathway.id, "ustabil_aktivitet", {"stable": True})
    assert pathway.stage == "stabil" and pathway.next_due_at is not None
    entered = as_utc(pathway.run_started_at)
    assert service.tick(session, now=entered + timedelta(days=59)) == 0
    assert service.tick(session, now=entered + timedelta(days=61)) == 1
    session.commit()
    assert pathway.stage == "ustabil" and pathway.next_due_at is None


def test_tick_parks_a_broken_pathway(session, monkeypatch):
    pathway = start(session)
    to_ustabil(session, pathway.id)
    complete(session, pathway.id, "ustabil_aktivitet", {"stable": True})
    monkeypatch.setattr(spiff, "load", lambda *a: (_ for _ in ()).throw(EngineError("boom")))
    assert service.tick(session, now=T0 + timedelta(days=61)) == 0
    session.commit()
    assert pathway.last_error == "boom"
    assert as_utc(pathway.next_due_at) > T0 + timedelta(days=61)


def test_migrate_pathway_to_new_version(session):
    pathway = start(session)
    to_ustabil(session, pathway.id)
    old = pathway.version_id
    files = loop_files()
    files["loop.bpmn"] = files["loop.bpmn"].replace(b"Behandlingsaktivitet", b"Aktivitet v2")
    new = service.deploy_bundle(session, files, "carol", known_forms=LOOP_FORMS)
    session.commit()
    assert only_task(session, pathway.id).title == "Behandlingsaktivitet"
    service.migrate_pathway(session, pathway.id, new.id, "carol")
    session.commit()
    assert pathway.version_id == new.id != old and pathway.stage == "ustabil"
    assert only_task(session, pathway.id).title == "Aktivitet v2"
    assert pathway.group_no == 3


def test_register_patient_validates(session):
    with pytest.raises(InvalidInput):
        service.register_patient(session, "12", "X", "M", None, "r", "m")
    with pytest.raises(InvalidInput):
        service.register_patient(session, "0101011234", "X", "Q", None, "r", "m")
    patient = new_patient(session)
    assert new_patient(session).id == patient.id
