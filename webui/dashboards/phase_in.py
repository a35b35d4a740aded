"""Phase-in figures: per region (or municipality) × group, and the enrolment curve per month.

Dates come from the deployed `phase_in` decision (engine.service.phase_in_dates); counts from
the `pathway` summary columns, counted per cell (Danish month of the referral × region ×
municipality × group × tier) over all pathways and rounded to 5 like the quality page's
(rounding.py); every figure of the page, its CSV and its chart is a sum of those cells.
Expected numbers are the national estimates split by a key that app config may replace
(`PHASE_IN_EXPECTED`, `PHASE_IN_SHARES`).
"""
from collections import defaultdict
from dataclasses import replace
from datetime import date

from flask import current_app
from sqlalchemy import case, func, select

from engine.models import Pathway as P
from webui import organisations
from webui.dashboards import rounding
from webui.dashboards.filters import share
from webui.dashboards.sqlfn import danish_month
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


def _cells():
    """{state: {(Danish month, region, municipality, group, tier): pathways}} of all pathways
    with a group, whatever the filters: one GROUP BY in the database (sqlfn.danish_month puts a
    referral at 00:30 on 1 November in November)."""
    state = case(((P.status == "active") & P.waiting_until.is_not(None), "waiting"),
                 (P.status == "active", "active"), else_="ended")
    month = danish_month(P.started_at)
    rows = db.session.connection().execute(
        select(month, P.region_org, P.municipality_org, P.group_no, P.complexity_tier, state,
               func.count())
        .where(P.group_no.is_not(None))
        .group_by(month, P.region_org, P.municipality_org, P.group_no, P.complexity_tier,
                  state)).all()
    out: dict = {k: {} for k in STATES}
    for label, region, muni, group, tier, status, n in rows:
        out[status][(label, region, muni, group, tier)] = n
    return out


def rounded() -> dict:
    """{state: {cell: count rounded to 5}}: each state's cells rounded along the fixed order of
    all cells (rounding.py), once for every view of the page; a cell's referrals are the sum
    of its rounded states."""
    return {k: rounding.Counts(cells).rounded for k, cells in _cells().items()}


def _counts(filters, cells, by_municipality):
    """{(org, group): {referred, waiting, active, ended}}: sums of the rounded cells the filters
    (place, group, tier, period) select, per region (or municipality) × group."""
    out: dict = {}
    for k, counts in cells.items():
        for key, n in counts.items():
            if n and filters.keeps(*key):
                _month, region, muni, group, _tier = key
                row = out.setdefault((muni if by_municipality else region, group),
                                     dict.fromkeys(("referred", *STATES), 0))
                row[k] += n
                row["referred"] += n
    return out


def _status(opens, today):
    """("open", days since) or ("opens", days until), or (None, None) when unknown."""
    if opens is None:
        return None, None
    return ("open", (today - opens).days) if opens <= today else ("opens", (opens - today).days)


def table(filters, dates, today, cells=None) -> list[dict]:
    """One row per region × group (or per municipality × group when a region is chosen);
    `cells`: the rounded cells (``rounded()``), computed here when not given."""
    by_municipality = bool(filters.region)
    places = organisations.municipalities(filters.region) if by_municipality else \
        organisations.regions()
    if filters.municipality:
        places = [o for o in places if o.code == organisations.municipality_org(filters.municipality)]
    counts = _counts(filters, rounded() if cells is None else cells, by_municipality)
    rows = []
    for org in places:
        for group in (filters.group,) if filters.group else GROUPS:
            opens = dates.get((org.region, group))
            cell = counts.get((org.code, group), dict.fromkeys(("referred", *STATES), 0))
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


def enrolment(filters, dates, today, cells=None) -> dict:
    """Per group: referrals per month and cumulative, against the straight-line target."""
    labels = months(CHART_FROM, FULL_BY)
    # the same rounded cells as the table, over all time (the curve ignores the period): the
    # curve is their running sum, so curve minus curve, or curve minus table, is a sum of them
    everywhere = replace(filters, date_from=None, date_to=None)
    per: dict = defaultdict(int)
    for counts in (rounded() if cells is None else cells).values():
        for key, n in counts.items():
            if n and everywhere.keeps(*key):
                per[(key[3], key[0])] += n
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
