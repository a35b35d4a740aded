"""Stays in a stage and their contact minutes, kept from the history rows a save writes.

A stay begins with a stage record whose `from` is another stage (or none) and ends with the
next such record or the pathway's end. A completed task whose data carries a numeric
`duration_minutes` (the activity forms ask for it) adds to the open stay. Bounded work per save:
at most one indexed read of the open stay, and only when a record needs it.
"""
from sqlalchemy import select

from engine.models import PhaseStay, TaskRecord

MAX_MINUTES = 720  # one contact of more than 12 hours is refused by the form; never counted


def minutes_of(data) -> int | None:
    """The contact minutes a task's data registers, or None."""
    value = (data or {}).get("duration_minutes")
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= MAX_MINUTES:
        return None
    return int(value)


def _open_stay(session, pathway_id):
    return session.scalar(select(PhaseStay).where(
        PhaseStay.pathway_id == pathway_id, PhaseStay.ended_at.is_(None))
        .order_by(PhaseStay.id.desc()).limit(1))


def note(session, pathway, records) -> None:
    """Open, close and add minutes to stays for this save's history rows (before they are added)."""
    current = None
    looked = False
    for record in records:
        if not isinstance(record, TaskRecord):
            continue
        data = record.data or {}
        if record.kind == "stage":
            came, went = data.get("from"), data.get("to")
            if came == went and went is not None:
                continue  # the same stage again: a new run, the same stay
            if not looked:
                current, looked = _open_stay(session, pathway.id), True
            if current is not None:
                current.ended_at = record.at
            current = None
            if went is not None:
                current = PhaseStay(pathway_id=pathway.id, stage=went, start_run_no=record.run_no,
                                    version_id=record.version_id, started_at=record.at,
                                    minutes=0, contacts=0)
                session.add(current)
        elif record.kind == "task":
            minutes = minutes_of(data)
            if minutes is None:
                continue
            if not looked:
                current, looked = _open_stay(session, pathway.id), True
            if current is not None:
                current.minutes = (current.minutes or 0) + minutes
                current.contacts = (current.contacts or 0) + 1
