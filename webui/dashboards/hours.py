"""Delivered contact hours against the frames, per unit and complexity tier (the quality view).

A stay is a series of consecutive runs of Ustabil or Stabil, as on the patient page
(webui/pathways/contact_hours.py). The engine keeps one `phase_stay` row per stay with the
minutes registered on its activity forms (engine/runtime/stays.py). A stay's frame is the sum
of its phase's activity frames in the pathway's own version (bpmn/contact_frames.dmn). The unit
is the organisation holding the pathway's tovholder role (`pathway.tovholder_org`); the tier is
the pathway's current one; the index date is the stay's first day (period filter).

One query of narrow rows and one pass in Python; no workflow or task data is read. Flags follow
the patient page: over-use beyond the margin for any stay, under-use only for a stay that has
ended.
"""
from math import inf

from sqlalchemy import select

from engine.models import Pathway as P
from engine.models import PhaseStay as S
from webui.dashboards.danish_days import local_days
from webui.dashboards.filters import count, is_small
from webui.dashboards.quality import Period
from webui.dashboards.sqlfn import epoch_days
from webui.extensions import db
from webui.pathways.contact_hours import ACTIVITY_FORMS, flag_of, frames

TIERS = ("lav", "moderat", "hoej", "")  # "" = not placed yet
STAGES = tuple(ACTIVITY_FORMS)


def _stays(filters):
    """(day, ended, minutes, version, unit, tier, active) of every stay in Ustabil or Stabil."""
    # Core rows, not ORM ones: tens of thousands of tuples, read once
    return db.session.connection().execute(
        select(epoch_days(S.started_at), S.ended_at.is_not(None), S.minutes, S.version_id, S.stage,
               P.tovholder_org, P.complexity_tier, P.status == "active")
        .join(P, P.id == S.pathway_id)
        .where(*filters.conditions(P), S.stage.in_(STAGES))).all()


def _frame_totals(version_ids):
    """{(version, stage): (frame hours of a stay, margin percent)} from each version's decision."""
    out = {}
    for version_id in version_ids:
        table = frames(db.session, version_id)
        for stage in STAGES:
            rows = table.get(stage, [])
            out[version_id, stage] = (sum(r[2] or 0 for r in rows), max((r[3] for r in rows), default=0))
    return out


def compute(filters) -> list[dict]:
    """Rows per (unit, tier): stays, ended stays, planned and used hours, stays over and under."""
    period = Period(filters)
    stays = _stays(filters)
    totals = _frame_totals({row[3] for row in stays})
    rows: dict = {}
    everything = period.lo == -inf and period.hi == inf  # no period: no day to place
    for day, ended, minutes, version_id, stage, unit, tier, active in stays:
        if not everything and local_days(day) not in period:
            continue
        frame, margin = totals[version_id, stage]
        ongoing = not ended and bool(active)
        used = (minutes or 0) / 60
        row = rows.get((unit or "", tier or ""))
        if row is None:
            row = rows[unit or "", tier or ""] = {
                "unit": unit or "", "tier": tier or "", "stays": 0, "ended": 0, "planned": 0.0,
                "used": 0.0, "over": 0, "under": 0}
        row["stays"] += 1
        row["ended"] += not ongoing
        row["planned"] += frame
        row["used"] += used
        flag = flag_of(used, frame, margin, allow_under=not ongoing)
        if flag:
            row[flag] += 1
    order = {t: i for i, t in enumerate(TIERS)}
    return sorted(rows.values(), key=lambda r: (r["unit"], order.get(r["tier"], 9)))


def table(rows, names, tier_labels) -> list[dict]:
    """Display rows: unit name, tier label, counts ('<5' for 1–4) and hours (hidden with them)."""
    out = []
    for r in rows:
        small = is_small(r["stays"])
        planned, used = round(r["planned"], 1), round(r["used"], 1)
        out.append({
            "unit": r["unit"], "name": names.get(r["unit"], r["unit"] or "–"), "tier": r["tier"],
            "tier_label": tier_labels.get(r["tier"], "–") if r["tier"] else "–",
            "stays": count(r["stays"]), "ended": "" if small else count(r["ended"]),
            "planned": None if small else planned, "used": None if small else used,
            "percent": None if small or not planned else round(100 * used / planned),
            "over": "" if small else count(r["over"]), "under": "" if small else count(r["under"])})
    return out
