"""The patient page's timeline: newest first, one bounded page at a time, repeats grouped.

The page never reads a pathway's whole history: it reads at most ``RAW_LIMIT`` rows below a
cursor (the last record id shown), served by the (pathway_id, id) index, so its cost and
size do not depend on how old the pathway is.
"""
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from engine.models import TaskRecord as R

PAGE_SIZE = 20      # entries shown per page (after grouping)
RAW_LIMIT = 100     # history rows read per page at most (20 entries need ~40-80 rows)


@dataclass
class Entry:
    """One line of the timeline: a record, or a run of the same activity registered again."""

    first: object               # the newest TaskRecord of the group
    count: int = 1
    oldest_at: datetime | None = None
    ids: list = field(default_factory=list)

    @property
    def grouped(self) -> bool:
        """True when the line stands for several registrations of the same activity."""
        return self.count > 1


def _is_repeat(record) -> bool:
    """A stage that starts again after itself (a recurring activity's new cycle) is noise."""
    data = record.data or {}
    return record.kind == "stage" and data.get("from") and data.get("from") == data.get("to")


def _key(record):
    """Records that group together: completions of the same task in the same stage."""
    return (record.kind, record.stage, record.task_spec) if record.kind == "task" else None


def group(records, size=PAGE_SIZE):
    """Fold newest-first records into at most `size` entries; return (entries, last raw id used)."""
    entries, last_id = [], None
    for record in records:
        if _is_repeat(record):
            last_id = record.id
            continue
        key = _key(record)
        current = entries[-1] if entries else None
        if current is not None and key is not None and _key(current.first) == key:
            current.count += 1
            current.oldest_at = record.at
            current.ids.append(record.id)
        elif len(entries) >= size:
            return entries, last_id
        else:
            entries.append(Entry(first=record, oldest_at=record.at, ids=[record.id]))
        last_id = record.id
    return entries, last_id


def page(session, pathway_id, before=None, size=PAGE_SIZE):
    """(entries, cursor for the next older page or None) of a pathway's timeline."""
    query = select(R).where(R.pathway_id == pathway_id)
    if before:
        query = query.where(R.id < before)
    rows = session.scalars(query.order_by(R.id.desc()).limit(RAW_LIMIT + 1)).all()
    more = len(rows) > RAW_LIMIT
    entries, last_id = group(rows[:RAW_LIMIT], size)
    exhausted = last_id is None or (not more and rows and last_id == rows[-1].id)
    return entries, (None if exhausted else last_id)
