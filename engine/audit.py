"""The audit trail: who did what, when and from where."""
from typing import cast

from sqlalchemy import Table, event, insert
from sqlalchemy.orm import Session

from engine.clock import utcnow
from engine.models import AuditEntry

COLUMNS = ("at", "actor", "action", "patient_id", "pathway_id", "detail", "source")
INSERT = insert(cast(Table, AuditEntry.__table__))


def record(session, actor, action, patient_id=None, pathway_id=None, detail="", source=""):
    """Add an audit entry to the session (the caller commits) and return it."""
    entry = AuditEntry(at=utcnow(), actor=actor or "system", action=action,
                       patient_id=patient_id, pathway_id=pathway_id,
                       detail=str(detail or "")[:4000], source=source or "")
    session.add(entry)
    return entry


def _write_entries(session, _context, _instances):
    """before_flush: the flush's audit entries go in as one plain INSERT, without the unit of
    work's bookkeeping (nothing reads an entry back, so its id need not come back either): on
    every page view that was ~0.2 ms of CPU on SQLite and ~0.3 ms on PostgreSQL."""
    entries = [obj for obj in session.new if isinstance(obj, AuditEntry)]
    if not entries:
        return
    for entry in entries:
        session.expunge(entry)
    session.execute(INSERT, [{name: getattr(entry, name) for name in COLUMNS} for entry in entries])


if not event.contains(Session, "before_flush", _write_entries):
    event.listen(Session, "before_flush", _write_entries)
