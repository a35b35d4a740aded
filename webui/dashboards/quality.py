"""Quality indicators computed from tables only (docs/indicators.md defines each one).

Reads the `pathway` summary columns, `pathway_run` rows (start, end and next stage of every
finished run), `task_record` rows of a few forms, and `worklist_item` for overdue tasks.
No workflow is ever loaded. Each indicator has an index date: the period filter and the
monthly trend use it.
"""
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from math import ceil, floor

from sqlalchemy import and_, func, or_, select

from webui.dashboards.sqlfn import epoch_days
from webui.extensions import db

EPOCH = date(1970, 1, 1).toordinal()
EXPERIENCE_FORM = "patient_oplevelse"
EXPERIENCE_ITEMS = ("pe_involved", "pe_coordinated", "pe_understood", "pe_overall")
OUTPATIENT_CYCLE = ("ustabil", "stabil")
STAGE_ORDER = ("henvisning", "opstart", "ustabil", "stabil", "overgang", "indlagt")


def to_date(days):
    """The date of an epoch-days float (None stays None)."""
    return None if days is None else date.fromordinal(EPOCH + floor(days))


def month(day: date) -> str:
    """'YYYY-MM' of a date."""
    return f"{day.year:04d}-{day.month:02d}"


def _rows(statement):
    """Plain result tuples through the Core connection (no ORM row processing: faster)."""
    return db.session.connection().execute(statement).all()


def percentile(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(1, ceil(p / 100 * len(ordered))) - 1]


class Ratio:
    """Numerator and denominator, in total and per month of the index date."""

    def __init__(self):
        self.num = self.den = 0
        self.months = defaultdict(lambda: [0, 0])

    def add(self, day, hit, filters):
        """Count one case (hit or not) whose index date is `day`, if it lies in the period."""
        if not filters.in_period(day):
            return
        self.num += bool(hit)
        self.den += 1
        cell = self.months[month(day)]
        cell[0] += bool(hit)
        cell[1] += 1


class Values:
    """Values (e.g. days), in total and per month of the index date."""

    def __init__(self):
        self.all = []
        self.months = defaultdict(list)

    def add(self, day, value, filters):
        """Add one value whose index date is `day`, if it lies in the period."""
        if filters.in_period(day):
            self.all.append(value)
            self.months[month(day)].append(value)


def _pathways(filters, P):
    """{id: row} of the cohort's pathways with the summary columns the indicators need."""
    rows = _rows(select(
        P.id, epoch_days(P.started_at), epoch_days(P.guarantee_due), P.tovholder.is_not(None),
        P.status, P.stage, epoch_days(P.run_started_at)).where(*filters.conditions(P)))
    return {r[0]: r for r in rows}


def _runs(filters, P, R):
    """The cohort's finished runs, in order per pathway."""
    return _rows(
        select(R.pathway_id, R.stage, R.next_stage, epoch_days(R.started_at),
               epoch_days(R.ended_at)).join(P, P.id == R.pathway_id)
        .where(*filters.conditions(P)).order_by(R.pathway_id, R.run_no))


def _tools(filters, P, T):
    """{pathway_id: {form_id: first epoch day}} for AUDIT/DUDIT in Opstart and the plan."""
    rows = _rows(
        select(T.pathway_id, T.form_id, func.min(epoch_days(T.at)))
        .join(P, P.id == T.pathway_id)
        .where(*filters.conditions(P), T.kind == "task",
               or_(T.form_id == "koordineret_plan",
                   and_(T.form_id.in_(("audit", "dudit")), T.stage == "opstart")))
        .group_by(T.pathway_id, T.form_id))
    out = defaultdict(dict)
    for pathway_id, form_id, day in rows:
        out[pathway_id][form_id] = day
    return out


def _split_days(start, end):
    """(month, days) pieces of the interval [start, end) in epoch days."""
    while start < end:
        day = to_date(start)
        nxt = date(day.year + (day.month == 12), day.month % 12 + 1, 1).toordinal() - EPOCH
        stop = min(end, nxt)
        yield month(day), stop - start
        start = stop


class _Walk:
    """Everything derived from the run rows of one pathway at a time."""

    def __init__(self, filters, today):
        self.filters, self.today = filters, today
        self.stays = defaultdict(Values)          # stage → days per finished stay
        self.transitions = defaultdict(int)       # month → Ustabil⇄Stabil moves
        self.years = defaultdict(float)           # month → days in Ustabil/Stabil
        self.admissions = Ratio()                 # hit = readmission within 30 days
        self.treatment = {}                       # pathway id → epoch day of treatment start
        self.opstart_done = {}                    # pathway id → epoch day Opstart was completed

    def runs(self, pathway_id, runs):
        """Walk one pathway's runs in order."""
        stay_stage = stay_start = last_discharge = None
        for _, stage, next_stage, start, end in runs:
            if stage != stay_stage:
                stay_stage, stay_start = stage, start
            if next_stage != stage:
                self.stays[stage].add(to_date(end), end - stay_start, self.filters)
                stay_stage = None
            if stage == "henvisning" and next_stage == "opstart":
                self.treatment.setdefault(pathway_id, end)
            if stage == "opstart" and next_stage in OUTPATIENT_CYCLE:
                self.opstart_done.setdefault(pathway_id, end)
            if stage in OUTPATIENT_CYCLE:
                self._time(start, end)
                if next_stage in OUTPATIENT_CYCLE and next_stage != stage and \
                        self.filters.in_period(to_date(end)):
                    self.transitions[month(to_date(end))] += 1
            if next_stage == "indlagt":
                again = last_discharge is not None and end - last_discharge <= 30
                self.admissions.add(to_date(end), again, self.filters)
            if stage == "indlagt" and next_stage != "indlagt":
                last_discharge = end

    def _time(self, start, end):
        """Add the days of [start, end) that lie in the period to the patient-time per month."""
        if self.filters.date_from:
            start = max(start, self.filters.date_from.toordinal() - EPOCH)
        if self.filters.date_to:
            end = min(end, self.filters.date_to.toordinal() + 1 - EPOCH)
        for label, days in _split_days(start, end):
            self.years[label] += days

    def open_run(self, row):
        """Count the time of a pathway's current, unfinished Ustabil/Stabil run up to today."""
        if row[4] == "active" and row[5] in OUTPATIENT_CYCLE and row[6] is not None:
            self._time(row[6], self.today.toordinal() - EPOCH)


def _experience(filters, P, T):
    """Patient-experience answers (items 1–5) with their dates, from task_record rows."""
    rows = _rows(
        select(epoch_days(T.at), T.data).join(P, P.id == T.pathway_id)
        .where(*filters.conditions(P), T.kind == "task", T.form_id == EXPERIENCE_FORM))
    items = defaultdict(Values)
    responses = Ratio()  # hit = the overall rating is 4 or 5
    for day, data in rows:
        day = to_date(day)
        answers = {k: int(data[k]) for k in EXPERIENCE_ITEMS
                   if str((data or {}).get(k, "")).isdigit()}
        for key, value in answers.items():
            items[key].add(day, value, filters)
        if "pe_overall" in answers:
            responses.add(day, answers["pe_overall"] >= 4, filters)
    return {"items": items, "positive": responses}


def overdue(filters, now=None) -> list[tuple[str, str, int]]:
    """(organisation code, lane, open tasks past due) now, for the cohort's pathways."""
    from engine.models import Pathway as P, WorklistItem as W
    now = now or datetime.now(timezone.utc)
    return [tuple(r) for r in db.session.execute(
        select(W.org_code, W.lane, func.count()).join(P, P.id == W.pathway_id)
        .where(*filters.conditions(P), W.kind == "task", W.due_at < now)
        .group_by(W.org_code, W.lane).order_by(W.org_code, W.lane)).all()]


def compute(filters, today: date) -> dict:
    """Every indicator of the quality view, with its monthly trend."""
    from engine.models import Pathway as P, PathwayRun as R, TaskRecord as T
    pathways = _pathways(filters, P)
    walk = _Walk(filters, today)
    by_pathway = defaultdict(list)
    for row in _runs(filters, P, R):
        by_pathway[row[0]].append(row)
    for pathway_id, runs in by_pathway.items():
        walk.runs(pathway_id, runs)
    tools = _tools(filters, P, T)
    guarantee, plan, screening, tovholder = Ratio(), Ratio(), Ratio(), Ratio()
    waits = Values()
    for pathway_id, row in pathways.items():
        walk.open_run(row)
        started, due, has_tovholder, status = row[1], to_date(row[2]), row[3], row[4]
        treated = walk.treatment.get(pathway_id)
        start_day = to_date(treated)
        if due is not None:
            if start_day is not None:
                kept = start_day <= due
                guarantee.add(min(start_day, due), kept, filters)
            elif status == "active" and due < today:
                guarantee.add(due, False, filters)
        if treated is None:
            continue
        waits.add(start_day, (start_day - to_date(started)).days, filters)
        tovholder.add(start_day, has_tovholder, filters)
        first_plan = tools.get(pathway_id, {}).get("koordineret_plan")
        deadline = start_day + timedelta(days=30)
        if first_plan is not None and to_date(first_plan) <= deadline:
            plan.add(to_date(first_plan), True, filters)
        elif deadline < today:
            plan.add(deadline, False, filters)
        done = walk.opstart_done.get(pathway_id)
        if done is not None:
            found = tools.get(pathway_id, {})
            screening.add(to_date(done), "audit" in found and "dudit" in found, filters)
    return {"guarantee": guarantee, "waits": waits, "plan": plan, "screening": screening,
            "tovholder": tovholder, "stays": walk.stays, "transitions": walk.transitions,
            "patient_days": walk.years, "admissions": walk.admissions,
            "experience": _experience(filters, P, T), "cohort": len(pathways)}
