"""Failures mid-step, races and liveness: nothing half-written, no silent stops."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import service
from engine.errors import Conflict, EngineError, PathwayAlreadyActive
from engine.models import Pathway, PathwayRun, TaskRecord, WorklistItem
from engine.runtime import pathways
from tests.fixtures.engine import START_DATA
from tests.integration.engine_helpers import T0, deploy_loop, new_patient, only_task, start
from webui.extensions import db

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
"""
# henvisning waits one day, then moves to stage b, whose first script fails.
TIMER_THEN_BROKEN = HEAD + """
  <bpmn:process id="henvisning" name="Henvisning" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait" name="Venter">
      <bpmn:timerEventDefinition id="wd"><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">P1D</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="go"/>
    <bpmn:scriptTask id="go"><bpmn:script>next_stage = 'b'</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f3" sourceRef="go" targetRef="e"/>
    <bpmn:endEvent id="e"/>
  </bpmn:process>
  <bpmn:process id="b" name="B" isExecutable="true">
    <bpmn:startEvent id="bs"/>
    <bpmn:sequenceFlow id="bf1" sourceRef="bs" targetRef="broken"/>
    <bpmn:scriptTask id="broken"><bpmn:script>x = 1 / 0</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="bf2" sourceRef="broken" targetRef="be"/>
    <bpmn:endEvent id="be"/>
  </bpmn:process>
</bpmn:definitions>"""

# After a day, a script leaves a date object (not ISO text) in the data when `broken`.
TIMER_THEN_DATE = HEAD + """
  <bpmn:process id="henvisning" name="Henvisning" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait" name="Venter">
      <bpmn:timerEventDefinition id="wd"><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">P1D</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="go"/>
    <bpmn:scriptTask id="go"><bpmn:script>d = date_of(received_at) if broken else received_at</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f3" sourceRef="go" targetRef="wait2"/>
    <bpmn:intermediateCatchEvent id="wait2" name="Venter igen">
      <bpmn:timerEventDefinition id="wd2"><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">P1D</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f4" sourceRef="wait2" targetRef="e"/>
    <bpmn:endEvent id="e"/>
  </bpmn:process>
</bpmn:definitions>"""

# henvisning waits for a signal, which the engine never delivers.
SIGNAL_WAIT = HEAD + """
  <bpmn:signal id="sig" name="nothing"/>
  <bpmn:process id="henvisning" name="Henvisning" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait"><bpmn:signalEventDefinition id="sd" signalRef="sig"/></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="e"/>
    <bpmn:endEvent id="e"/>
  </bpmn:process>
</bpmn:definitions>"""


@pytest.fixture
def session(app):
    with app.app_context():
        yield db.session


def deploy(session, text):
    version = service.deploy_bundle(session, {"x.bpmn": text.encode()}, "tester", known_forms=set())
    session.commit()
    return version


def test_failed_timer_leaves_the_pathway_as_it_was(session):
    deploy(session, TIMER_THEN_BROKEN)
    patient = new_patient(session)
    pathway = service.start_pathway(session, patient.id, {}, "alice", now=T0)
    session.commit()
    pathway_id, state, lock = pathway.id, pathway.state, pathway.lock_version
    assert service.tick(session, now=T0 + timedelta(days=2)) == 0
    session.commit()
    session.expire_all()
    pathway = session.get(Pathway, pathway_id)
    assert pathway.last_error and "broken" in pathway.last_error
    assert (pathway.stage, pathway.run_no, pathway.state) == ("henvisning", 1, state)
    assert pathway.lock_version == lock + 1
    assert session.scalar(select(func.count(PathwayRun.id))) == 0
    assert session.scalar(select(func.count(TaskRecord.id)).where(
        TaskRecord.kind.in_(("timer", "stage")))) == 0
    # still loadable on its own stage
    assert pathways.load(session, pathway_id).stage == "henvisning"


def test_a_run_that_can_never_move_on_is_refused(session):
    deploy(session, SIGNAL_WAIT)
    patient = new_patient(session)
    with pytest.raises(EngineError):
        service.start_pathway(session, patient.id, {}, "alice", now=T0)
    session.rollback()
    assert session.scalar(select(func.count(Pathway.id))) == 0


def test_two_referrals_of_one_patient_at_once_start_one_pathway(app, monkeypatch):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("parallel writers need PostgreSQL (FORLOB_TEST_DB=postgres)")
        deploy_loop(db.session)
        patient_id = new_patient(db.session).id
        db.session.commit()
        bind = db.engine
        barrier = threading.Barrier(2, timeout=3)
        real_latest = service.current_version

        def latest_together(session):
            try:
                barrier.wait()  # both have checked for an active pathway
            except threading.BrokenBarrierError:
                pass  # the other one is (rightly) blocked on the patient's row
            return real_latest(session)
        monkeypatch.setattr(service, "current_version", latest_together)
        results = [None, None]

        def refer(i):
            try:
                with Session(bind) as session:
                    service.start_pathway(session, patient_id, dict(START_DATA), f"u{i}", now=T0)
                    session.commit()
                    results[i] = "started"
            except Exception as exc:  # asserted on below
                results[i] = exc
        threads = [threading.Thread(target=refer, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(map(str, results)).count("started") == 1, results
        assert any(isinstance(r, PathwayAlreadyActive) for r in results), results
        db.session.expire_all()
        assert db.session.scalar(select(func.count(Pathway.id)).where(
            Pathway.patient_id == patient_id, Pathway.status == "active")) == 1


def test_two_people_claiming_one_task_at_once_one_wins(app, monkeypatch):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("parallel writers need PostgreSQL (FORLOB_TEST_DB=postgres)")
        pathway = start(db.session)
        item_id = only_task(db.session, pathway.id).id
        db.session.commit()
        bind = db.engine
        barrier = threading.Barrier(2, timeout=3)
        real_flush = Session.flush

        def flush_together(self, *args, **kwargs):
            try:
                barrier.wait()  # both have read the unassigned row
            except threading.BrokenBarrierError:
                pass  # the other one is (rightly) blocked on the row lock
            return real_flush(self, *args, **kwargs)
        results = [None, None]

        def claim(i):
            try:
                with Session(bind) as session:
                    monkeypatch.setattr(session, "flush", flush_together.__get__(session))
                    service.claim_task(session, item_id, f"user{i}")
                    session.commit()
                    results[i] = f"user{i}"
            except Exception as exc:  # asserted on below
                results[i] = exc
        threads = [threading.Thread(target=claim, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        winners = [r for r in results if isinstance(r, str)]
        assert len(winners) == 1 and any(isinstance(r, Conflict) for r in results), results
        db.session.expire_all()
        assert db.session.get(WorklistItem, item_id).assignee == winners[0]


def test_data_that_cannot_be_stored_parks_that_pathway_and_other_timers_still_fire(session):
    deploy(session, TIMER_THEN_DATE)
    broken = service.start_pathway(session, new_patient(session, 1).id,
                                   {"broken": True, "received_at": "2026-01-05"}, "a", now=T0)
    fine = service.start_pathway(session, new_patient(session, 2).id,
                                 {"broken": False, "received_at": "2026-01-05"}, "a",
                                 now=T0 + timedelta(hours=1))
    session.commit()
    broken_id, fine_id = broken.id, fine.id
    assert service.tick(session, now=T0 + timedelta(days=2)) == 1  # not an escaping TypeError
    session.commit()
    session.expire_all()
    broken, fine = session.get(Pathway, broken_id), session.get(Pathway, fine_id)
    assert "cannot be stored" in broken.last_error and "henvisning" in broken.last_error
    assert broken.next_due_at is not None and fine.last_error is None
    assert [i.task_spec for i in session.scalars(select(WorklistItem).where(
        WorklistItem.pathway_id == fine_id))] == ["wait2"]
    assert [i.task_spec for i in session.scalars(select(WorklistItem).where(
        WorklistItem.pathway_id == broken_id))] == ["wait"]
