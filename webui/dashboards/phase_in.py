"""Phase-in figures: per region (or municipality) × group, and the enrolment curve per month.

Dates come from the deployed `phase_in` decision (engine.service.phase_in_dates); counts from
the `pathway` summary columns. Expected numbers are the national estimates split by a key
that app config may replace (`PHASE_IN_EXPECTED`, `PHASE_IN_SHARES`).
"""
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from sqlalchemy import case, func, select

from engine.clock import LOCAL_TZ
from engine.models import Pathway as P
from webui import organisations
from webui.common.timeutil import local_midnight_utc
from webui.dashboards.filters import is_small, share
from webui.dashboards.sqlfn import epoch_hour
from webui.extensions import db

GROUPS = (1, 2, 3)
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


def _counts(filters, P, by_municipality):
    """{(org, group): {referred, waiting, active, ended}} for pathways referred in the period."""
    org = P.municipality_org if by_municipality else P.region_org
    where = filters.conditions(P) + [P.group_no.is_not(None)]
    # the period is whole Danish days: from local midnight of the first to that after the last
    if filters.date_from:
        where.append(P.started_at >= local_midnight_utc(filters.date_from))
    if filters.date_to:
        where.append(P.started_at < local_midnight_utc(filters.date_to + timedelta(days=1)))
    waiting = (P.status == "active") & P.waiting_until.is_not(None)
    rows = db.session.execute(
        select(org, P.group_no, func.count(),
               func.sum(case((waiting, 1), else_=0)),
               func.sum(case(((P.status == "active") & P.waiting_until.is_(None), 1), else_=0)),
               func.sum(case((P.status == "ended", 1), else_=0)))
        .where(*where).group_by(org, P.group_no)).all()
    return {(o, g): {"referred": n, "waiting": int(w or 0), "active": int(a or 0),
                     "ended": int(e or 0)} for o, g, n, w, a, e in rows}


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
    counts = _counts(filters, P, by_municipality)
    rows = []
    for org in places:
        for group in (filters.group,) if filters.group else GROUPS:
            opens = dates.get((org.region, group))
            cell = counts.get((org.code, group), {"referred": 0, "waiting": 0, "active": 0,
                                                  "ended": 0})
            want = None if by_municipality else expected(org.region, group)
            status, days = _status(opens, today)
            rows.append({"org": org.code, "name": org.short_name, "region": org.region,
                         "group": group, "opens": opens, "status": status, "days": days, **cell,
                         "expected": round(want) if want is not None else None,
                         "expected_now": round(want * target_share(opens, today))
                         if want is not None else None,
                         "ratio": share(cell["referred"], round(want)) if want else None})
    return rows


def local_month(utc_hour: int) -> str:
    """'YYYY-MM' of the Danish month an hour (counted from 1970-01-01 00:00 UTC) lies in."""
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(hours=utc_hour)
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m")


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
    # counted per UTC hour in the database, then put in Danish months here (an hour never
    # straddles two Danish months), so a referral at 00:30 on 1 November is November's
    hour = epoch_hour(P.started_at)
    rows = db.session.execute(
        select(P.group_no, hour, func.count())
        .where(*filters.conditions(P), P.group_no.is_not(None))
        .group_by(P.group_no, hour)).all()
    per: dict = defaultdict(int)
    for group, utc_hour, n in rows:
        per[(group, local_month(int(utc_hour)))] += n
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
            # a suppressed value (1–4) is left out of the chart, like a month still to come
            monthly.append(None if future or is_small(n) else n)
            actual.append(None if future or is_small(running) else running)
            target.append(round(sum(expected(r, group) * target_share(dates.get((r, group)),
                                                                         _month_end(label))
                                    for r in region_list)))
        series.append({"group": group, "monthly": monthly, "actual": actual, "target": target})
    # a municipality has no expected number of its own: its chart shows no target line
    if filters.municipality:
        for s in series:
            s["target"] = None
    return {"labels": labels, "series": series}
