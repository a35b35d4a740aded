"""Phase-in figures: per region (or municipality) × group, and the enrolment curve per month.

Dates come from the deployed `phase_in` decision (engine.service.phase_in_dates); counts from
the `pathway` summary columns. Expected numbers are the national estimates split by a key
that app config may replace (`PHASE_IN_EXPECTED`, `PHASE_IN_SHARES`).
"""
from collections import defaultdict
from datetime import date

from flask import current_app
from sqlalchemy import case, func, select

from engine.models import Pathway as P
from webui import organisations
from webui.dashboards import suppression
from webui.dashboards.danish_days import local_month
from webui.dashboards.filters import is_small, share
from webui.dashboards.sqlfn import epoch_hour
from webui.extensions import db

GROUPS = (1, 2, 3)
STATES = ("waiting", "active", "ended")
EXPECTED = {1: 4600, 2: 4000, 3: 700}  # national estimates per group
SHARES = {"hovedstaden": 0.32, "midtjylland": 0.23, "syddanmark": 0.21, "sjaelland": 0.14,
          "nordjylland": 0.10}  # default key: population shares
FULL_BY = date(2027, 12, 31)      # "all phased in by the end of 2027"
CHART_FROM = date(2024, 1, 1)


def expected(region: str, group: int) -> float:
    """The expected number of patients of a group in a region, from the configured key."""
    national = current_app.config.get("PHASE_IN_EXPECTED", EXPECTED)
    shares = current_app.config.get("PHASE_IN_SHARES", SHARES)
    return national.get(group, 0) * shares.get(region, 0.0)


def target_share(opens: date | None, day: date) -> float:
    """The share of the expected number reached by `day` on the straight line to FULL_BY."""
    if opens is None or day < opens:
        return 0.0
    if day >= FULL_BY or opens >= FULL_BY:
        return 1.0
    return (day - opens).days / (FULL_BY - opens).days


def _monthly(filters, P, by_municipality):
    """{(org, group): {Danish month: {referred, waiting, active, ended}}} of the cohort.

    Counted per UTC hour in the database and put in Danish months here (an hour never
    straddles two Danish months), so a referral at 00:30 on 1 November is November's.
    """
    org = P.municipality_org if by_municipality else P.region_org
    state = case(((P.status == "active") & P.waiting_until.is_not(None), "waiting"),
                 (P.status == "active", "active"), else_="ended")
    hour = epoch_hour(P.started_at)
    rows = db.session.execute(
        select(org, P.group_no, hour, state, func.count())
        .where(*filters.conditions(P), P.group_no.is_not(None))
        .group_by(org, P.group_no, hour, state)).all()
    out: dict = defaultdict(lambda: defaultdict(lambda: dict.fromkeys(STATES, 0)))
    for code, group, utc_hour, status, n in rows:
        cell = out[(code, group)][local_month(int(utc_hour))]
        cell[status] += n
    for months in out.values():
        for cell in months.values():
            cell["referred"] = sum(cell[k] for k in STATES)
    return out


def _regions_of(filters) -> dict:
    """{municipality org: region org} of the cohort's pathways."""
    return dict(db.session.execute(
        select(P.municipality_org, P.region_org).where(*filters.conditions(P)).distinct()).all())


def published(filters, by_municipality):
    """{(org, group): {month: (referred, split)}} of the published months (see suppression).

    Cells are suppressed per municipality; a region's month is the sum of its municipalities'
    published months (its split is not needed and left empty), so a region's figure minus the
    figures of its municipalities is a sum of published cells, never 1–4.
    """
    fine = _published_places(filters)
    if by_municipality:
        return fine
    regions = _regions_of(filters)
    out: dict = defaultdict(dict)
    for (muni, group), months in fine.items():
        cells = out[(regions.get(muni), group)]
        for month, (referred, _split) in months.items():
            cells[month] = (cells.get(month, (0, None))[0] + referred, None)
    return out


def _published_places(filters):
    """{(municipality org, group): {month: (referred, split)}} of the published months."""
    out = {}
    for key, months in _monthly(filters, P, True).items():
        splits = {m: (c["referred"], suppression.statuses(c["referred"],
                                                          {k: c[k] for k in STATES}))
                  for m, c in months.items()}
        out[key] = {m: (n, split) for m, (n, split) in splits.items() if split is not None}
    return out


def _in_period(filters, month):
    """True for a 'YYYY-MM' inside the (whole-month) period."""
    return (filters.date_from is None or month >= filters.date_from.strftime("%Y-%m")) and \
        (filters.date_to is None or month <= filters.date_to.strftime("%Y-%m"))


def _counts(filters, by_municipality):
    """{(org, group): {referred, waiting, active, ended, left_out}}; a region's row is the sum
    of its municipalities' rows, so the region view minus the municipality view is a sum of
    published figures (each 0 or at least 5)."""
    fine = _counts_places(filters)
    if by_municipality:
        return fine
    regions, out = _regions_of(filters), {}
    for (muni, group), cell in fine.items():
        total = out.setdefault((regions.get(muni), group),
                               {**dict.fromkeys(("referred", *STATES), 0), "left_out": set()})
        for k in ("referred", *STATES):
            total[k] += cell[k]
        total["left_out"] |= cell["left_out"]
    return out


def _counts_places(filters):
    """{(municipality org, group): {referred, waiting, active, ended, left_out}}: sums of
    published months.

    A month left out adds nothing; a hidden status adds nothing to its column (its referrals
    still count in `referred`, and the hidden parts of a month add up to 0 or at least 5).
    `left_out` names the columns some month of the period did not add to.
    """
    raw = _monthly(filters, P, True)
    shown = _published_places(filters)
    out = {}
    for key, months in raw.items():
        total = dict.fromkeys(("referred", *STATES), 0)
        left_out = set()
        for month, cell in months.items():
            if not _in_period(filters, month) or not cell["referred"]:
                continue
            if month not in shown[key]:
                left_out.update(k for k in total if cell[k])
                continue
            referred, split = shown[key][month]
            total["referred"] += referred
            for k, n in split.items():
                total[k] += n or 0
                if n is None:
                    left_out.add(k)
        if left_out and filters.date_from is None and filters.date_to is None:
            # all time: the true row when every column's left-out part is 0 or at least 5
            # (then the row minus its published months, or any period, is never 1–4)
            true = {k: sum(c[k] for c in months.values()) for k in total}
            if not any(is_small(true[k] - total[k]) for k in total):
                total, left_out = true, set()
        out[key] = {**total, "left_out": left_out}
    return out


def _status(opens, today):
    """("open", days since) or ("opens", days until), or (None, None) when unknown."""
    if opens is None:
        return None, None
    return ("open", (today - opens).days) if opens <= today else ("opens", (opens - today).days)


def table(filters, dates, today) -> list[dict]:
    """One row per region × group (or per municipality × group when a region is chosen)."""
    by_municipality = bool(filters.region)
    places = organisations.municipalities(filters.region) if by_municipality else \
        organisations.regions()
    if filters.municipality:
        places = [o for o in places if o.code == organisations.municipality_org(filters.municipality)]
    counts = _counts(filters, by_municipality)
    rows = []
    for org in places:
        for group in (filters.group,) if filters.group else GROUPS:
            opens = dates.get((org.region, group))
            cell = counts.get((org.code, group), {"referred": 0, "waiting": 0, "active": 0,
                                                  "ended": 0, "left_out": set()})
            want = None if by_municipality else expected(org.region, group)
            status, days = _status(opens, today)
            rows.append({"org": org.code, "name": org.short_name, "region": org.region,
                         "group": group, "opens": opens, "status": status, "days": days, **cell,
                         "expected": round(want) if want is not None else None,
                         "expected_now": round(want * target_share(opens, today))
                         if want is not None else None,
                         "ratio": share(cell["referred"], round(want)) if want else None})
    return rows


def months(start: date, end: date) -> list[str]:
    """'YYYY-MM' for every month from start to end."""
    out, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _month_end(label):
    """The last day of a 'YYYY-MM' month."""
    year, month = int(label[:4]), int(label[5:])
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def enrolment(filters, dates, today) -> dict:
    """Per group: referrals per month and cumulative, against the straight-line target."""
    labels = months(CHART_FROM, FULL_BY)
    # the same published monthly cells as the table (place × group × month): the curve is
    # their running sum, so curve minus curve, or curve minus table, is a sum of them
    per: dict = defaultdict(int)
    for (_org, group), cells in published(filters, bool(filters.region)).items():
        for month, (referred, _split) in cells.items():
            per[(group, month)] += referred
    region_list = [filters.region] if filters.region else list(
        current_app.config.get("PHASE_IN_SHARES", SHARES))
    groups = (filters.group,) if filters.group else GROUPS
    series = []
    for group in groups:
        running, actual, target, monthly = sum(n for (g, m), n in per.items()
                                               if g == group and m < labels[0]), [], [], []
        for label in labels:
            n = per.get((group, label), 0)
            running += n
            future = label > today.strftime("%Y-%m")
            monthly.append(None if future else n)
            actual.append(None if future else running)
            target.append(round(sum(expected(r, group) * target_share(dates.get((r, group)),
                                                                         _month_end(label))
                                    for r in region_list)))
        series.append({"group": group, "monthly": monthly, "actual": actual, "target": target})
    # a municipality has no expected number of its own: its chart shows no target line
    if filters.municipality:
        for s in series:
            s["target"] = None
    return {"labels": labels, "series": series}
