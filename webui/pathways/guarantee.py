"""The 14-day treatment guarantee: is it about to run out? Computed from pathway columns only."""
from datetime import datetime

from webui.timeutil import local_today

# Same horizon as the pathway's own warning timer (three days before guarantee_due).
WARNING_DAYS = 3


def days_left_if_warning(guarantee_due, breached, stage, status, today=None) -> int | None:
    """Days until the guarantee runs out when that is 0–3 days away and still open, else None."""
    if not guarantee_due or breached or stage != "henvisning" or status != "active":
        return None
    if isinstance(guarantee_due, datetime):
        guarantee_due = guarantee_due.date()
    days = (guarantee_due - (today or local_today())).days
    return days if 0 <= days <= WARNING_DAYS else None


def pathway_warning(pathway, today=None) -> int | None:
    """The guarantee warning of a Pathway row: days left, or None when there is none."""
    return days_left_if_warning(pathway.guarantee_due, pathway.guarantee_breached,
                                pathway.stage, pathway.status, today)


def warnings_for(session, pathway_ids, today=None) -> dict[int, int]:
    """{pathway_id: days left} for the pathways (of a worklist page) whose guarantee runs out soon.

    One primary-key query over the page's pathways; no workflow is loaded.
    """
    from engine.models import Pathway as P
    from sqlalchemy import select
    ids = sorted(set(pathway_ids))
    if not ids:
        return {}
    rows = session.execute(select(P.id, P.guarantee_due, P.guarantee_breached, P.stage, P.status)
                           .where(P.id.in_(ids), P.stage == "henvisning",
                                  P.guarantee_due.is_not(None))).all()
    found = {row.id: days_left_if_warning(row.guarantee_due, row.guarantee_breached, row.stage,
                                          row.status, today) for row in rows}
    return {pid: days for pid, days in found.items() if days is not None}
