"""The patient page's timeline: newest first, 20 lines a page, repeats grouped.

A stage that starts again after itself (a recurring activity's new cycle) is filtered out in
SQL, so it never counts against a page. Completions of the same task in a row are one line:
when such a run reaches past the rows read, the rest of it is counted with two aggregate
queries instead of being read, so a run is one line however long it is and across pages.
A page reads at most ``MAX_BATCHES × RAW_LIMIT`` rows below a cursor (the last record id
shown), served by the (pathway_id, id) index, so its cost does not depend on the pathway's age.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, func, not_, or_, select

from engine.db import once
from engine.models import TaskRecord as R

PAGE_SIZE = 20      # lines shown per page (after grouping)
RAW_LIMIT = 60      # rows read per batch (repeats are not among them)
MAX_BATCHES = 5     # batches a page reads at most (only runs of pairs of lines need more than 1)


@dataclass
class Entry:
    """One line of the timeline: a record, or a run of the same activity registered again."""

    first: object               # the newest TaskRecord of the group
    count: int = 1
    oldest_at: datetime | None = None

    @property
    def grouped(self) -> bool:
        """True when the line stands for several registrations of the same activity."""
        return self.count > 1


def _is_repeat(record) -> bool:
    """A stage that starts again after itself (a recurring activity's new cycle) is noise."""
    data = record.data or {}
    return record.kind == "stage" and data.get("from") and data.get("from") == data.get("to")


def _not_repeat():
    """SQL for _is_repeat's negation (JSON fields: json_extract on SQLite, ->> on PostgreSQL)."""
    same = R.data["from"].as_string() == R.data["to"].as_string()
    return or_(R.kind != "stage", R.data["from"].as_string().is_(None), not_(same))


def _key(record):
    """Records that group together: completions of the same task in the same stage."""
    return (record.kind, record.stage, record.task_spec) if record.kind == "task" else None


def group(records, size=PAGE_SIZE, entries=None):
    """Fold newest-first records into at most `size` entries (continuing `entries`); return
    (entries, last raw id used, True when a record for a further line was met)."""
    entries, last_id = (entries if entries is not None else []), None
    for record in records:
        if _is_repeat(record):
            last_id = record.id
            continue
        key = _key(record)
        current = entries[-1] if entries else None
        if current is not None and key is not None and _key(current.first) == key:
            current.count += 1
            current.oldest_at = record.at
        elif len(entries) >= size:
            return entries, last_id, True
        else:
            entries.append(Entry(first=record, oldest_at=record.at))
        last_id = record.id
    return entries, last_id, False


def _rest_of_run(session, pathway_id, entry, below):
    """(rows of `entry`'s run below id `below`, their oldest time, the id where the run ends or
    None when it reaches the first record): counted, not read."""
    first = entry.first
    same = and_(R.kind == "task", R.stage == first.stage, R.task_spec == first.task_spec)
    end = session.scalar(select(func.max(R.id)).where(
        R.pathway_id == pathway_id, R.id < below, _not_repeat(), not_(same)))
    query = select(func.count(), func.min(R.at)).where(R.pathway_id == pathway_id, R.id < below,
                                                       same)
    if end is not None:
        query = query.where(R.id > end)
    count, oldest = session.execute(query).one()
    return count, oldest, end


@once
def _batch_query(below):
    """One batch of newest-first rows (below the id bound as `below`, when `below`)."""
    query = select(R).where(R.pathway_id == bindparam("pathway_id"), _not_repeat())
    if below:
        query = query.where(R.id < bindparam("below"))
    return query.order_by(R.id.desc()).limit(RAW_LIMIT)


def page(session, pathway_id, before=None, size=PAGE_SIZE):
    """(entries, cursor for the next older page or None) of a pathway's timeline."""
    entries, cursor = [], before
    for _ in range(MAX_BATCHES):
        rows = session.scalars(_batch_query(bool(cursor)),
                               {"pathway_id": pathway_id, "below": cursor}).all()
        entries, last_id, full = group(rows, size, entries)
        if full:  # the next page starts below the last row used (or where this batch began)
            return entries, last_id if last_id is not None else cursor
        if len(rows) < RAW_LIMIT:
            return entries, None  # the first record is shown
        cursor = last_id
        current = entries[-1]
        if _key(current.first) is not None:  # a run may go on below: count the rest of it
            count, oldest, end = _rest_of_run(session, pathway_id, current, cursor)
            if count:
                current.count, current.oldest_at = current.count + count, oldest
            if end is None:
                return entries, None
            cursor = end + 1
    return entries, cursor
