"""Bounded runs: cycle timers are bounded at deploy, and a run's state has a hard size cap.

Issue 19: a non-interrupting cycle timer `R100000/PT1M` passed deploy; every firing added
about 2 KB to the run, so a run could grow without bound.
"""
from datetime import timedelta
from xml.sax.saxutils import escape

import pytest
from sqlalchemy import select

from engine import service
from engine.clock import as_utc
from engine.definitions.cycles import MAX_CYCLE_REPEATS, MIN_CYCLE_INTERVAL
from engine.definitions.parsing import parse_bundle
from engine.errors import InvalidDefinition, RunTooLarge
from engine.models import AuditEntry, Pathway
from engine.runtime import pathways
from tests.fixtures import hostile
from tests.integration.engine_helpers import T0, new_patient
from webui.extensions import db

BOUNDARY = """    <bpmn:boundaryEvent id="remind" name="Påmindelse" attachedToRef="visit" cancelActivity="false">
      <bpmn:timerEventDefinition id="rt"><bpmn:timeCycle xsi:type="bpmn:tFormalExpression">{cycle}</bpmn:timeCycle></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:scriptTask id="grow"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="remind_end"/>
    <bpmn:sequenceFlow id="r1" sourceRef="remind" targetRef="grow"/>
    <bpmn:sequenceFlow id="r2" sourceRef="grow" targetRef="remind_end"/>
"""


def reminding(cycle, script="reminders = 1"):
    """henvisning waits in user task `visit`; a non-interrupting cycle timer runs `script`."""
    body = hostile.USER_TASK.format(id="visit", extra="") + BOUNDARY.format(
        cycle=escape(cycle), script=escape(script))
    return {"h.bpmn": hostile._bpmn(body, ["visit"])}


@pytest.mark.parametrize("cycle,why", [
    ("R100000/PT1M", f"højst {MAX_CYCLE_REPEATS}"),  # the attack
    ("R/P1D", "uden ende"),
    (f"R{MAX_CYCLE_REPEATS + 1}/P1D", f"højst {MAX_CYCLE_REPEATS}"),
    ("R10/PT30M", "korteste tilladte interval"),
    ("'R5/P1D'", "fast ISO 8601"),  # an expression: its bound cannot be checked at deploy
])
def test_an_unbounded_or_too_fast_cycle_timer_is_refused_at_deploy(cycle, why):
    with pytest.raises(InvalidDefinition) as refused:
        parse_bundle(reminding(cycle), known_forms=hostile.FORMS)
    [problem] = [p for p in refused.value.problems if "cyklustimeren" in p[3]]
    assert problem[1] == "remind" and why in problem[3], problem


def test_a_bounded_cycle_timer_deploys():
    assert MIN_CYCLE_INTERVAL == timedelta(hours=1)
    parse_bundle(reminding(f"R{MAX_CYCLE_REPEATS}/PT1H"), known_forms=hostile.FORMS)
    parse_bundle(reminding("R10/P7D"), known_forms=hostile.FORMS)


def test_a_run_that_outgrows_the_cap_is_parked_with_a_clear_reason(app, monkeypatch):
    with app.app_context():
        s = db.session
        service.deploy_bundle(s, reminding("R5/PT1H", "notes = 'x' * 30000"), "owner",
                              known_forms=hostile.FORMS)
        patient = new_patient(s)
        pathway = service.start_pathway(s, patient.id, {}, "alice", now=T0)
        s.commit()
        size = len(s.get(Pathway, pathway.id).state)
        monkeypatch.setattr(pathways, "MAX_STATE_BYTES", size + 10_000)  # one firing too many
        service.tick(s, now=T0 + timedelta(hours=1, minutes=1))
        s.commit()
        parked = s.get(Pathway, pathway.id)
        s.refresh(parked)
        assert parked.status == "active" and len(parked.state) == size  # the step was not saved
        assert "more than the cap" in parked.last_error and "grow without bound" in parked.last_error
        assert as_utc(parked.next_due_at) > T0 + timedelta(hours=1, minutes=1)  # retried later
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "timer.error",
                                                 AuditEntry.pathway_id == pathway.id))


def test_a_click_that_would_outgrow_the_cap_saves_nothing(app, monkeypatch):
    with app.app_context():
        s = db.session
        service.deploy_bundle(s, hostile.after_task("big = 'x' * 30000\nmore = 1"), "owner",
                              known_forms=hostile.FORMS)
        monkeypatch.setattr(pathways, "MAX_STATE_BYTES", 5_000)
        patient = new_patient(s)
        with pytest.raises(RunTooLarge):
            service.start_pathway(s, patient.id, {"big": "y" * 6_000}, "alice", now=T0)
        s.rollback()
        assert s.scalar(select(Pathway.id)) is None
