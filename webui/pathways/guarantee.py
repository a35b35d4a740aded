"""The 14-day treatment guarantee as staff and leads see it: one reading of one stored fact.

The engine judges the guarantee at every save and stores it on the pathway
(``guarantee_status``, ``guarantee_decided_on``, ``guarantee_breach_reason``, beside
``guarantee_due`` and ``treatment_started_at``; engine/runtime/projection.py). The patient page,
the worklist marks, the quality indicator and its CSV all read it through ``read`` below, so
they cannot disagree (docs/indicators.md). The only rule added at read time: a guarantee still
stored as open after its deadline (the engine's timer has not saved the pathway yet) reads as
breached, as the engine will store it.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, select

from engine.db import once
from engine.models import Pathway as P
from webui.common.timeutil import local_date, local_today

# Same horizon as the pathway's own warning timer (three days before guarantee_due).
WARNING_DAYS = 3
NOT_STARTED = "Behandlingen var ikke startet, da fristen udløb"
# the columns `read` needs, for queries that read many pathways at once
COLUMNS = (P.guarantee_due, P.guarantee_status, P.guarantee_decided_on, P.treatment_started_at,
           P.guarantee_breach_reason, P.status, P.ended_at, P.patient_choice,
           P.patient_choice_until)


@dataclass(frozen=True)
class Guarantee:
    """One pathway's guarantee: status open/met/breached/lapsed/waived (None: no guarantee).

    ``due`` is the deadline in force: a postponement the patient chose moves it."""

    status: str | None
    due: date | None
    started: date | None
    decided_on: date | None
    reason: str | None
    days_left: int | None  # while open: days until the deadline (0 or more)

    @property
    def warning(self) -> int | None:
        """Days left when the deadline is 0–3 days away and treatment has not started."""
        return self.days_left if self.days_left is not None and \
            0 <= self.days_left <= WARNING_DAYS else None


def _day(value):
    if isinstance(value, datetime) or isinstance(value, str):
        return local_date(value)
    return value


def read(due, status, decided_on, started_at, reason, pathway_status, ended_at, choice=None,
         choice_until=None, today=None) -> Guarantee:
    """The guarantee fact of one pathway from its stored columns (see the module docstring)."""
    due, decided_on, started = _day(due), _day(decided_on), _day(started_at)
    if due is not None and choice == "postponed" and choice_until is not None:
        due = max(due, _day(choice_until))   # as engine/runtime/projection.py: effective_due
    if due is None:
        return Guarantee(None, None, started, None, None, None)
    today = today or local_today()
    if status is None:  # a row the engine has not judged since the fact was introduced
        status = "met" if started else ("open" if pathway_status == "active" else "lapsed")
    if status == "open" and today > due:
        return Guarantee("breached", due, started, due + timedelta(days=1), NOT_STARTED, None)
    if decided_on is None:
        decided_on = {"met": started, "breached": due + timedelta(days=1),
                      "lapsed": _day(ended_at)}.get(status)
    days_left = (due - today).days if status == "open" else None
    return Guarantee(status, due, started, decided_on,
                     (reason or NOT_STARTED) if status == "breached" else None, days_left)


def of_pathway(pathway, today=None) -> Guarantee:
    """The guarantee of a Pathway row."""
    return read(pathway.guarantee_due, pathway.guarantee_status, pathway.guarantee_decided_on,
                pathway.treatment_started_at, pathway.guarantee_breach_reason, pathway.status,
                pathway.ended_at, pathway.patient_choice, pathway.patient_choice_until, today)


@once
def _for_pathways_query():
    return select(P.id, *COLUMNS).where(P.id.in_(bindparam("ids", expanding=True)),
                                        P.guarantee_due.is_not(None))


def for_pathways(session, pathway_ids, today=None) -> dict[int, Guarantee]:
    """{pathway_id: Guarantee} for the pathways (of a worklist page) that have a guarantee.

    One primary-key query over the page's pathways; no workflow is loaded.
    """
    ids = sorted(set(pathway_ids))
    if not ids:
        return {}
    rows = session.execute(_for_pathways_query(), {"ids": ids}).all()
    return {row[0]: read(*row[1:], today=today) for row in rows}


def days_left_for(session, pathway_ids, today=None) -> dict[int, int]:
    """{pathway_id: days left} for the pathways whose guarantee still runs."""
    return {pid: g.days_left for pid, g in for_pathways(session, pathway_ids, today).items()
            if g.days_left is not None}


def warnings_for(session, pathway_ids, today=None) -> dict[int, int]:
    """{pathway_id: days left} for the pathways whose guarantee runs out within 0–3 days."""
    return {pid: g.warning for pid, g in for_pathways(session, pathway_ids, today).items()
            if g.warning is not None}

