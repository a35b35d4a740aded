"""The quality page's rounded cells, kept per app between requests while the data is the same.

Counting every pathway and rounding the cells (rounding.py) costs about a second at 10,000
pathways, the same for every filter, since every view selects from the same cells. So the
result is kept and reused while a cheap *data version* is unchanged: for `pathway` its row
count, highest id, the sum of `lock_version` (SQLAlchemy raises it on every ORM update of a
pathway) and the newest `updated_at`; for the append-only `pathway_run` and `task_record` their
row count and highest id; and the day (the figures depend on today). A write outside the ORM
that changes a pathway without raising its lock_version is seen after at most MAX_AGE seconds.
Figures read per request instead: the questionnaires (the answer window moves with the clock),
the overdue tasks (a snapshot) and the contact hours (stays' minutes change in place).
"""
import threading
import time

from flask import current_app
from sqlalchemy import func, select

from engine.models import Pathway as P
from engine.models import PathwayRun as R
from engine.models import TaskRecord as T
from webui.extensions import db

MAX_AGE = 300  # seconds
_LOCK = threading.Lock()


def data_version() -> tuple:
    """The cheap fingerprint of the tables the cached cells are counted from (three queries
    of one aggregate row each, over indexed or primary-key columns)."""
    connection = db.session.connection()
    pathways = connection.execute(select(func.count(), func.max(P.id), func.sum(P.lock_version),
                                         func.max(P.updated_at))).one()
    runs = connection.execute(select(func.count(), func.max(R.id))).one()
    records = connection.execute(select(func.count(), func.max(T.id))).one()
    return tuple(pathways) + tuple(runs) + tuple(records)


def cached(name: str, today, build):
    """`build()` for this app, the day and the data version, reused while both are the same
    and the entry is younger than MAX_AGE; one entry per name is kept."""
    key = (today, data_version())
    store = current_app.extensions.setdefault("dashboard_cells", {})
    entry = store.get(name)
    if entry is not None and entry[0] == key and time.monotonic() - entry[1] < MAX_AGE:
        return entry[2]
    value = build()
    with _LOCK:
        store[name] = (key, time.monotonic(), value)
    return value


def clear() -> None:
    """Forget every cached entry of this app (the benchmark's cold figure)."""
    current_app.extensions.pop("dashboard_cells", None)
