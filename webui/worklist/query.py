"""The worklist query: my roles and organisation, filters, due-date order, paging."""
from dataclasses import dataclass

from sqlalchemy import Integer, bindparam, func, or_, select

from engine import clock
from engine.db import once
from engine.models import WorklistItem as W
from webui.common.paging import page_number
from webui.common.phases import LANE_LABELS, STAGE_LABELS
from webui.common.timeutil import overdue_before
from webui.competencies.models import StaffCompetence

PAGE_SIZE = 25


def _flag(args, name) -> bool:
    """True when a checkbox-style query parameter is set."""
    return args.get(name) in ("1", "on", "true")


@dataclass
class Filters:
    """The worklist filters taken from the query string (unknown values are ignored)."""

    stage: str = ""
    lane: str = ""
    overdue: bool = False
    mine: bool = False
    unassigned: bool = False
    waiting: bool = False
    competent: bool = False
    page: int = 1

    @classmethod
    def from_args(cls, args):
        """Parse request.args into filters, dropping values that are not allowed."""
        stage = args.get("phase", "")
        lane = args.get("lane", "")
        return cls(stage=stage if stage in STAGE_LABELS else "",
                   lane=lane if lane in LANE_LABELS else "",
                   overdue=_flag(args, "overdue"), mine=_flag(args, "mine"),
                   unassigned=_flag(args, "unassigned"), waiting=_flag(args, "waiting"),
                   competent=_flag(args, "competent"), page=page_number(args))

    def as_args(self, **changes) -> dict:
        """These filters as query parameters, with some changed (for links)."""
        values = {"phase": self.stage, "lane": self.lane, "overdue": self.overdue,
                  "mine": self.mine, "unassigned": self.unassigned, "waiting": self.waiting,
                  "competent": self.competent, "page": self.page}
        values.update(changes)
        return {k: ("1" if v is True else v) for k, v in values.items() if v not in ("", False, None)}


# condition builders keyed by the filter that switches them on (values bound by name)
OPTIONAL = {
    "stage": lambda: W.stage == bindparam("stage"),
    "lane": lambda: W.lane == bindparam("lane"),
    "overdue": lambda: W.due_at < bindparam("overdue_before"),
    "mine": lambda: W.assignee == bindparam("username"),
    "unassigned": lambda: W.assignee.is_(None),
    "waiting": lambda: W.kind == "wait",
    # tasks that need no particular competence, or one the user holds (any level)
    "competent": lambda: or_(W.competence.is_(None), W.competence.in_(
        select(StaffCompetence.method).where(StaffCompetence.user_id == bindparam("user_id")))),
}


def _conditions(active):
    """The WHERE conditions for a worklist with the named filters switched on."""
    return [W.org_code == bindparam("org_code"), W.role.in_(bindparam("roles", expanding=True)),
            *(OPTIONAL[name]() for name in active)]


@once
def _queries(active):
    """(count, page) statements for the filters in `active`, built once per combination."""
    conditions = _conditions(active)
    count = select(func.count()).select_from(W).where(*conditions)
    # a same-day safety task comes before everything, however many older tasks are overdue;
    # a task without a deadline (e.g. a recurring activity) sorts by when it appeared, so it
    # is not buried below every dated task
    page = (select(W).where(*conditions)
            .order_by(W.urgent.desc(), func.coalesce(W.due_at, W.created_at).asc(), W.id)
            .limit(PAGE_SIZE).offset(bindparam("offset", type_=Integer)))
    return count, page


def worklist_page(session, user, filters, now=None):
    """Return (items, total) for one page of the user's worklist: urgent, then soonest due."""
    now = now or clock.utcnow()
    count, page = _queries(tuple(name for name in OPTIONAL if getattr(filters, name)))
    params = {"org_code": user.organisation_code, "roles": sorted(user.roles),
              "stage": filters.stage, "lane": filters.lane,
              "overdue_before": overdue_before(now), "username": user.username,
              "user_id": user.id, "offset": (filters.page - 1) * PAGE_SIZE}
    total = session.scalar(count, params)
    return list(session.scalars(page, params)), total
