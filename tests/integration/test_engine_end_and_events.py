"""The facade's end_pathway (from outside the model, e.g. a death) and note_event (history only)."""
import pytest
from sqlalchemy import func, select

from engine import service
from engine.errors import EngineError, NotFound
from engine.models import AuditEntry, AwaitedMessage, Notice, Pathway, PathwayRun, TaskRecord, WorklistItem
from tests.integration.engine_helpers import T0, start
from webui.extensions import db


@pytest.fixture
def session(app):
    with app.app_context():
        yield db.session


def _count(session, model, pathway_id):
    return session.scalar(select(func.count()).select_from(model).where(model.pathway_id == pathway_id))


def test_end_pathway_closes_tasks_and_waits_archives_the_run_and_notifies(session):
    pathway = start(session)
    session.commit()
    assert _count(session, WorklistItem, pathway.id) > 0
    runs_before = _count(session, PathwayRun, pathway.id)
    ended = service.end_pathway(session, pathway.id, "deceased", "api:test", notify=["kommune-x"], now=T0)
    session.commit()
    row = session.get(Pathway, pathway.id)
    assert ended.id == pathway.id and (row.status, row.end_reason) == ("ended", "deceased")
    assert row.state is None and row.ended_at is not None
    assert _count(session, WorklistItem, pathway.id) == 0 and _count(session, AwaitedMessage, pathway.id) == 0
    assert _count(session, PathwayRun, pathway.id) == runs_before + 1
    assert session.scalar(select(AuditEntry.detail).where(AuditEntry.action == "pathway.end")) == "deceased"
    # a notice goes only to organisations that take part in the pathway
    assert session.scalar(select(func.count()).select_from(Notice)) == 0
    with pytest.raises(EngineError):
        service.end_pathway(session, pathway.id, "deceased", "api:test")


def test_note_event_adds_history_without_moving_the_pathway(session):
    pathway = start(session)
    session.commit()
    lock, stage = pathway.lock_version, pathway.stage
    service.note_event(session, pathway.id, "Orlov fra hospitalet begynder", {"at": T0.isoformat()}, "api:test", now=T0)
    session.commit()
    row = session.get(Pathway, pathway.id)
    assert (row.lock_version, row.stage) == (lock, stage)
    event = session.scalar(select(TaskRecord).where(TaskRecord.pathway_id == pathway.id, TaskRecord.kind == "event"))
    assert event.title == "Orlov fra hospitalet begynder" and event.actor == "api:test"
    with pytest.raises(NotFound):
        service.note_event(session, 2**31 - 1, "x", {}, "api:test")
