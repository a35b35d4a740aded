"""Quality indicators computed from tables only (docs/indicators.md defines each one).

Reads the `pathway` summary columns, `pathway_run` rows (start, end and next stage of every
finished run), `task_record` rows of a few forms, and `worklist_item` for overdue tasks.
No workflow is ever loaded. Each indicator has an index date: the period filter and the
monthly trend use it. Internally every date is a float of days since 1970-01-01, the form the
database returns (sqlfn.epoch_days, UTC), moved onto the Danish clock (``local_days``) so a day
or a month is a Danish one. The walk over ~10^5 rows stays cheap.
"""
from collections import defaultdict
from datetime import UTC, date, datetime
from math import floor

from sqlalchemy import and_, func, or_, select

from engine.models import Pathway as P
from engine.models import PathwayRun as R
from engine.models import TaskRecord as T
from engine.models import WorklistItem as W
from webui.dashboards.danish_days import local_days
from webui.dashboards.measures import MonthTime, Period, Ratio, Values, epoch, month_label
from webui.dashboards.sqlfn import epoch_days
from webui.extensions import db
from webui.pathways import guarantee as guarantee_fact

EXPERIENCE_FORM = "patient_oplevelse"
EXPERIENCE_ITEMS = ("pe_involved", "pe_coordinated", "pe_understood", "pe_overall")
OUTPATIENT_CYCLE = ("ustabil", "stabil")
STAGE_ORDER = ("henvisning", "opstart", "ustabil", "stabil", "overgang", "indlagt")


def _rows(statement):
    """Plain result tuples through the Core connection (no ORM row processing: faster)."""
    return db.session.connection().execute(statement).all()


def cell_columns(P):
    """The columns of a pathway's publication cell: region, municipality, group, tier."""
    return (P.region_org, P.municipality_org, P.group_no, P.complexity_tier)


def _pathways(filters, P):
    """The cohort's pathways with the summary columns the indicators need (Danish days)."""
    return [(pid, (region, muni, group, tier), local_days(started), has_tovholder, status, stage,
             local_days(run_started), rest)
            for pid, region, muni, group, tier, started, has_tovholder, status, stage, run_started,
            *rest
            in _rows(select(P.id, *cell_columns(P), epoch_days(P.started_at),
                            P.tovholder.is_not(None), P.status, P.stage,
                            epoch_days(P.run_started_at), *guarantee_fact.COLUMNS)
                     .where(*filters.conditions(P)))]


def _runs(filters, P, R):
    """The cohort's finished runs, in order per pathway (Danish days)."""
    # a run ends when the next one starts: each moment is converted once
    seen: dict = {}

    def local(days):
        found = seen.get(days)
        if found is None:
            found = seen[days] = local_days(days)
        return found
    return [(pid, stage, next_stage, local(start), local(end))
            for pid, stage, next_stage, start, end in _rows(
                select(R.pathway_id, R.stage, R.next_stage, epoch_days(R.started_at),
                       epoch_days(R.ended_at)).join(P, P.id == R.pathway_id)
                .where(*filters.conditions(P)).order_by(R.pathway_id, R.run_no))]


def _tools(filters, P, T):
    """{pathway_id: {form_id: first epoch day}} for AUDIT/DUDIT in Opstart, the plan and the
    enrolment (an acute start is enrolled during its admission)."""
    rows = _rows(
        select(T.pathway_id, T.form_id, func.min(epoch_days(T.at)))
        .join(P, P.id == T.pathway_id)
        .where(*filters.conditions(P), T.kind == "task",
               or_(T.form_id.in_(("koordineret_plan", "indskrivning")),
                   and_(T.form_id.in_(("audit", "dudit")), T.stage == "opstart")))
        .group_by(T.pathway_id, T.form_id))
    out = defaultdict(dict)
    for pathway_id, form_id, day in rows:
        out[pathway_id][form_id] = local_days(day)
    return out


class _Walk:
    """Everything derived from the run rows of one pathway at a time."""

    def __init__(self, period, today):
        self.period, self.today = period, today
        self.stays = defaultdict(Values)          # stage → days per finished stay
        self.transitions = defaultdict(int)       # month → Ustabil⇄Stabil moves
        self.transition_cells = defaultdict(int)  # (month, *cell) → Ustabil⇄Stabil moves
        self.time_cells = defaultdict(MonthTime)  # cell → days in Ustabil/Stabil per month
        self.admissions = Ratio()                 # hit = readmission within 30 days
        self.enrolment = {}                       # pathway id → epoch day of enrolment
        self.opstart_done = {}                    # pathway id → epoch day Opstart was completed

    def runs(self, pathway_id, runs, cell=()):
        """Walk one pathway's runs in order (`cell`: the pathway's publication cell)."""
        stay_stage = stay_start = last_discharge = None
        for _, stage, next_stage, start, end in runs:
            if stage != stay_stage:
                stay_stage, stay_start = stage, start
            if next_stage != stage:
                self.stays[stage].add(end, end - stay_start, self.period, cell)
                stay_stage = None
            if stage == "henvisning" and next_stage in ("opstart", "ustabil", "stabil", "overgang"):
                self.enrolment.setdefault(pathway_id, end)
            elif stage == "opstart" and next_stage in OUTPATIENT_CYCLE:
                self.opstart_done.setdefault(pathway_id, end)
            if stage in OUTPATIENT_CYCLE:
                self._time(start, end, cell)
                if next_stage in OUTPATIENT_CYCLE and next_stage != stage and end in self.period:
                    self.transitions[month_label(end)] += 1
                    self.transition_cells[(month_label(end), *cell)] += 1
            if next_stage == "indlagt":
                again = last_discharge is not None and end - last_discharge <= 30
                self.admissions.add(end, again, self.period, cell)
            if stage == "indlagt" and next_stage != "indlagt":
                last_discharge = end

    def _time(self, start, end, cell=()):
        """Add the days of [start, end) that lie in the period to the patient-time."""
        self.time_cells[cell].add(max(start, self.period.lo), min(end, self.period.hi))

    def open_run(self, status, stage, run_started, cell=()):
        """Count the time of a pathway's current, unfinished Ustabil/Stabil run up to today."""
        if status == "active" and stage in OUTPATIENT_CYCLE and run_started is not None:
            self._time(run_started, self.today, cell)

    def time_by_cell(self) -> dict:
        """{(month, *cell): days in Ustabil/Stabil}."""
        return {(month, *cell): days for cell, time in self.time_cells.items()
                for month, days in time.by_month().items()}


def _by_month(time_cells: dict) -> dict:
    """{month: days} summed over the cells of {(month, *cell): days} (not published: the page
    sums the cells its filters select)."""
    out: dict = defaultdict(float)
    for key, days in time_cells.items():
        out[key[0]] += days
    return dict(sorted(out.items()))


def _experience(filters, period, P, T):
    """Patient-experience answers (items 1–5) with their dates, from task_record rows."""
    rows = _rows(
        select(epoch_days(T.at), T.data, *cell_columns(P)).join(P, P.id == T.pathway_id)
        .where(*filters.conditions(P), T.kind == "task", T.form_id == EXPERIENCE_FORM))
    items = defaultdict(Values)
    responses = Ratio()  # hit = the overall rating is 4 or 5
    for utc_day, data, *cell in rows:
        cell = tuple(cell)
        day = local_days(utc_day)
        answers = {k: int(data[k]) for k in EXPERIENCE_ITEMS
                   if str((data or {}).get(k, "")).isdigit()}
        for key, value in answers.items():
            items[key].add(day, value, period, cell)
        if "pe_overall" in answers:
            responses.add(day, answers["pe_overall"] >= 4, period, cell)
    return {"items": items, "positive": responses}


def overdue(filters, now=None) -> list[tuple]:
    """(organisation code, lane, cell, open tasks past due) now, for the cohort's pathways,
    per publication cell (municipality, group, tier) of the pathway."""
    now = now or datetime.now(UTC)
    return [(org, lane, tuple(cell), n) for org, lane, *cell, n in _rows(
        select(W.org_code, W.lane, *cell_columns(P), func.count()).join(P, P.id == W.pathway_id)
        .where(*filters.conditions(P), W.kind == "task", W.due_at < now)
        .group_by(W.org_code, W.lane, *cell_columns(P)).order_by(W.org_code, W.lane))]


def compute(filters, today: date) -> dict:
    """Every indicator of the quality view, with its monthly trend."""
    period, now = Period(filters), epoch(today)
    walk = _Walk(period, now)
    pathways = _pathways(filters, P)
    cells = {row[0]: row[1] for row in pathways}
    runs = _runs(filters, P, R)
    start = 0
    for i in range(1, len(runs) + 1):  # rows come ordered by pathway: walk each block
        if i == len(runs) or runs[i][0] != runs[start][0]:
            walk.runs(runs[start][0], runs[start:i], cells.get(runs[start][0], ()))
            start = i
    tools = _tools(filters, P, T)
    guarantee, plan, screening, tovholder, waits = Ratio(), Ratio(), Ratio(), Ratio(), Values()
    for pathway_id, cell, started, has_tovholder, status, stage, run_started, fact in pathways:
        walk.open_run(status, stage, run_started, cell)
        # the guarantee and the wait to treatment read the one stored guarantee fact
        kept = guarantee_fact.read(*fact, today=today)
        if kept.status in ("met", "breached"):
            guarantee.add(epoch(kept.decided_on), kept.status == "met", period, cell)
        if kept.started is not None:
            waits.add(epoch(kept.started), epoch(kept.started) - floor(started), period, cell)
        found = tools.get(pathway_id, {})
        enrolled = walk.enrolment.get(pathway_id, found.get("indskrivning"))
        if enrolled is None:
            continue
        start_day = floor(enrolled)
        tovholder.add(start_day, has_tovholder, period, cell)
        first_plan, deadline = found.get("koordineret_plan"), start_day + 30
        if first_plan is not None and floor(first_plan) <= deadline:
            plan.add(first_plan, True, period, cell)
        elif deadline < now:
            plan.add(deadline, False, period, cell)
        done = walk.opstart_done.get(pathway_id)
        if done is not None:
            screening.add(done, "audit" in found and "dudit" in found, period, cell)
    time_cells = walk.time_by_cell()
    return {"guarantee": guarantee, "waits": waits, "plan": plan, "screening": screening,
            "tovholder": tovholder, "stays": walk.stays, "transitions": walk.transitions,
            "transition_cells": walk.transition_cells, "time_cells": time_cells,
            "patient_days": _by_month(time_cells), "admissions": walk.admissions,
            "experience": _experience(filters, period, P, T)}
