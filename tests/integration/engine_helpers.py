"""Helpers shared by the engine's integration tests."""
from datetime import UTC, datetime

from engine import service
from tests.fixtures.engine import LOOP_FORMS, START_DATA, loop_files

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def deploy_loop(session):
    """Deploy the loop fixture bundle."""
    version = service.deploy_bundle(session, loop_files(), "tester", known_forms=LOOP_FORMS)
    session.commit()
    return version


def new_patient(session, n=1):
    """Register a test patient."""
    return service.register_patient(session, f"{1000000000 + n}", f"Patient {n}", "K",
                                     "1980-05-01", "hovedstaden", "koebenhavn")


def start(session, n=1, now=T0):
    """Deploy (once) and start a pathway; return it."""
    if service.latest_version(session) is None:
        deploy_loop(session)
    patient = new_patient(session, n)
    pathway = service.start_pathway(session, patient.id, dict(START_DATA), "alice", now=now)
    session.commit()
    return pathway


def only_task(session, pathway_id, spec=None):
    """The single open task of a pathway (optionally checking its spec)."""
    items = service.ready_tasks(session, pathway_id)
    assert len(items) == 1, [(i.task_spec, i.kind) for i in items]
    if spec:
        assert items[0].task_spec == spec
    return items[0]


def complete(session, pathway_id, spec, data, actor="bob", now=T0):
    """Complete the single open task (asserting its spec) and commit."""
    item = only_task(session, pathway_id, spec)
    pathway = service.complete_task(session, pathway_id, item.task_id, data, actor, now=now)
    session.commit()
    return pathway


def to_ustabil(session, pathway_id, now=T0):
    """Walk a fresh pathway from henvisning to ustabil (waiting day already passed)."""
    complete(session, pathway_id, "visitation",
             {"accepted": True, "severity": 8, "waiting_until": "2026-01-06",
              "tovholder_org": "kommune-koebenhavn", "tovholder": "bob",
              "followups": 0, "activities": 0}, now=now)
    later = max(now, datetime(2026, 1, 7, tzinfo=UTC))
    service.tick(session, now=later)
    session.commit()
    return complete(session, pathway_id, "opstart_vurdering", {}, now=later)
