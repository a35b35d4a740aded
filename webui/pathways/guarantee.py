"""The 14-day treatment guarantee as staff see it: days left until treatment must start.

Computed from pathway columns only. The guarantee is met by the first treatment contact
(``treatment_started_at``, docs/pathway.md); until then it runs, and it counts down on the
patient page and the worklist.
"""
from datetime import datetime

from sqlalchemy import select

from engine.models import Pathway as P
from webui.common.timeutil import local_today

# Same horizon as the pathway's own warning timer (three days before guarantee_due).
WARNING_DAYS = 3


def days_left(guarantee_due, breached, started, status, today=None) -> int | None:
    """Days until the guarantee runs out while it is running (may be negative), else None."""
    if not guarantee_due or breached or started or status != "active":
        return None
    if isinstance(guarantee_due, datetime):
        guarantee_due = guarantee_due.date()
    return (guarantee_due - (today or local_today())).days


def days_left_if_warning(guarantee_due, breached, started, status, today=None) -> int | None:
    """Days left when that is 0–3 days away and treatment has not started, else None."""
    days = days_left(guarantee_due, breached, started, status, today)
    return days if days is not None and 0 <= days <= WARNING_DAYS else None


def pathway_days_left(pathway, today=None) -> int | None:
    """Days left of a Pathway row's running guarantee, or None."""
    return days_left(pathway.guarantee_due, pathway.guarantee_breached,
                     pathway.treatment_started_at, pathway.status, today)


def pathway_warning(pathway, today=None) -> int | None:
    """The guarantee warning of a Pathway row: days left, or None when there is none."""
    return days_left_if_warning(pathway.guarantee_due, pathway.guarantee_breached,
                                pathway.treatment_started_at, pathway.status, today)


def days_left_for(session, pathway_ids, today=None) -> dict[int, int]:
    """{pathway_id: days left} for the pathways (of a worklist page) whose guarantee runs.

    One primary-key query over the page's pathways; no workflow is loaded.
    """
    ids = sorted(set(pathway_ids))
    if not ids:
        return {}
    rows = session.execute(select(P.id, P.guarantee_due, P.guarantee_breached,
                                  P.treatment_started_at, P.status)
                           .where(P.id.in_(ids), P.guarantee_due.is_not(None),
                                  P.treatment_started_at.is_(None))).all()
    found = {row.id: days_left(row.guarantee_due, row.guarantee_breached,
                               row.treatment_started_at, row.status, today) for row in rows}
    return {pid: days for pid, days in found.items() if days is not None}


def warnings_for(session, pathway_ids, today=None) -> dict[int, int]:
    """{pathway_id: days left} for the pathways whose guarantee runs out within 0–3 days."""
    return {pid: days for pid, days in days_left_for(session, pathway_ids, today).items()
            if 0 <= days <= WARNING_DAYS}
