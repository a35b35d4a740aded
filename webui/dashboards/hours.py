"""Delivered contact hours against the frames, per unit and complexity tier (the quality view).

A stay is a series of consecutive runs of Ustabil or Stabil, as on the patient page
(webui/pathways/contact_hours.py). The engine keeps one `phase_stay` row per stay with the
minutes registered on its activity forms (engine/runtime/stays.py). A stay's frame is the sum
of its phase's activity frames in the pathway's own version (bpmn/contact_frames.dmn). The unit
is the organisation holding the pathway's tovholder role (`pathway.tovholder_org`); the tier is
the pathway's current one; the index date is the stay's first day (period filter).

The counting runs in the database (one row back per unit, tier, municipality, group and Danish
month: the cells whose counts are rounded, rounding.py); no workflow or task data is read.
Flags follow the patient page (contact_hours.flag_of): over-use beyond the margin for any stay,
under-use only for a stay that has ended.
"""
from datetime import timedelta

from sqlalchemy import and_, case, func, literal, select

from engine.models import Pathway as P
from engine.models import PhaseStay as S
from webui.common.timeutil import local_midnight_utc
from webui.dashboards import rounding
from webui.dashboards.sqlfn import danish_month
from webui.extensions import db
from webui.pathways.contact_hours import ACTIVITY_FORMS, frames

TIERS = ("lav", "moderat", "hoej", "")  # "" = not placed yet
STAGES = tuple(ACTIVITY_FORMS)


def _frame_totals(version_ids):
    """{(version, stage): (frame hours of a stay, margin percent)} from each version's decision."""
    out = {}
    for version_id in version_ids:
        table = frames(db.session, version_id)
        for stage in STAGES:
            rows = table.get(stage, [])
            out[version_id, stage] = (sum(r[2] or 0 for r in rows), max((r[3] for r in rows), default=0))
    return out


def _per_stay(totals, pick):
    """A CASE giving, for a stay's version and stage, `pick(frame, margin)` in minutes."""
    whens = [(and_(S.version_id == version_id, S.stage == stage), literal(pick(frame, margin)))
             for (version_id, stage), (frame, margin) in totals.items() if frame]
    return case(*whens, else_=None) if whens else literal(None)


def compute(filters) -> list[dict]:
    """Rows per (unit, tier): stays, ended stays, planned and used hours, stays over and under.

    The frames are looked up first (one decision per version and activity type); the counting
    and the over/under comparison per stay then run in the database, which returns one row per
    unit and tier however many stays there are.
    """
    where = [*filters.conditions(P), S.stage.in_(STAGES)]
    if filters.date_from:
        where.append(S.started_at >= local_midnight_utc(filters.date_from))
    if filters.date_to:
        where.append(S.started_at < local_midnight_utc(filters.date_to + timedelta(days=1)))
    versions = db.session.scalars(select(S.version_id).distinct().join(P, P.id == S.pathway_id)
                                  .where(*where)).all()
    totals = _frame_totals(versions)
    frame = _per_stay(totals, lambda f, m: f * 60)
    over = _per_stay(totals, lambda f, m: f * (1 + m / 100) * 60)
    under = _per_stay(totals, lambda f, m: f * (1 - m / 100) * 60)
    ended = ~and_(S.ended_at.is_(None), P.status == "active")  # an ongoing stay is never "under"
    month = danish_month(S.started_at)
    cell = (P.region_org, P.municipality_org, P.group_no)
    rows = db.session.execute(
        select(P.tovholder_org, P.complexity_tier, month, *cell,
               func.count(), func.sum(case((ended, 1), else_=0)),
               func.sum(func.coalesce(frame, 0)), func.sum(S.minutes),
               func.sum(case((S.minutes > over, 1), else_=0)),
               func.sum(case((and_(ended, S.minutes < under), 1), else_=0)))
        .join(P, P.id == S.pathway_id).where(*where)
        .group_by(P.tovholder_org, P.complexity_tier, month, *cell)).all()
    out: dict = {}
    for unit, tier, label, region, muni, group, n, n_ended, planned, used, n_over, n_under in rows:
        row = out.setdefault((unit or "", tier or ""), {
            "unit": unit or "", "tier": tier or "", "stays": 0, "ended": 0, "planned": 0.0,
            "used": 0.0, "over": 0, "under": 0, "cells": []})
        part = {"key": (unit or "", tier or "", label, region, muni, group), "stays": n,
                "ended": int(n_ended or 0), "over": int(n_over or 0), "under": int(n_under or 0),
                "planned": float(planned or 0) / 60, "used": float(used or 0) / 60}
        row["cells"].append(part)
        for key in ("stays", "ended", "over", "under", "planned", "used"):
            row[key] += part[key]
    order = {t: i for i, t in enumerate(TIERS)}
    return sorted(out.values(), key=lambda r: (r["unit"], order.get(r["tier"], 9)))


COUNTED = ("stays", "ended", "over", "under")


def table(rows, keep, names, tier_labels) -> list[dict]:
    """Display rows for the cells `keep` selects: counts as sums of the rounded cells (all
    rows' cells rounded together, rounding.py), and the hours only when at least MIN_VALUES
    stays (rounded) lie behind them."""
    parts = [part for r in rows for part in r["cells"]]
    counts = {name: rounding.Counts({p["key"]: p[name] for p in parts}) for name in COUNTED}
    out = []
    for r in rows:
        mine = [p["key"] for p in r["cells"]
                if keep((p["key"][2], p["key"][3], p["key"][4], p["key"][5], r["tier"] or None))]
        if not mine:
            continue
        chosen = set(mine)
        shown = {name: counts[name].total(chosen.__contains__) for name in COUNTED}
        few = shown["stays"] < rounding.MIN_VALUES
        planned = round(sum(p["planned"] for p in r["cells"] if p["key"] in chosen), 1)
        used = round(sum(p["used"] for p in r["cells"] if p["key"] in chosen), 1)
        out.append({
            "unit": r["unit"], "name": names.get(r["unit"], r["unit"] or "–"), "tier": r["tier"],
            "tier_label": tier_labels.get(r["tier"], "–") if r["tier"] else "–", **shown,
            "planned": None if few else planned, "used": None if few else used,
            "percent": None if few or not planned else round(100 * used / planned)})
    return out
