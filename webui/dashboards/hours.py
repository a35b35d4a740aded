"""Delivered contact hours against the frames, per unit and complexity tier (the quality view).

A stay is a series of consecutive runs of Ustabil or Stabil, as on the patient page
(webui/pathways/contact_hours.py). The engine keeps one `phase_stay` row per stay with the
minutes registered on its activity forms (engine/runtime/stays.py). A stay's frame is the sum
of its phase's activity frames in the pathway's own version (bpmn/contact_frames.dmn). The unit
is the organisation holding the pathway's tovholder role (`pathway.tovholder_org`); the tier is
the pathway's current one; the index date is the stay's first day (period filter).

The counting runs in the database (one row back per unit and tier); no workflow or task data
is read. Flags follow the patient page (contact_hours.flag_of): over-use beyond the margin for
any stay, under-use only for a stay that has ended.
"""
from datetime import timedelta

from sqlalchemy import and_, case, func, literal, select

from engine.models import Pathway as P
from engine.models import PhaseStay as S
from webui.common.timeutil import local_midnight_utc
from webui.dashboards.filters import count, is_small
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
    rows = db.session.execute(
        select(P.tovholder_org, P.complexity_tier, func.count(), func.sum(case((ended, 1), else_=0)),
               func.sum(func.coalesce(frame, 0)), func.sum(S.minutes),
               func.sum(case((S.minutes > over, 1), else_=0)),
               func.sum(case((and_(ended, S.minutes < under), 1), else_=0)))
        .join(P, P.id == S.pathway_id).where(*where)
        .group_by(P.tovholder_org, P.complexity_tier)).all()
    out = [{"unit": unit or "", "tier": tier or "", "stays": n, "ended": int(n_ended or 0),
            "planned": float(planned or 0) / 60, "used": float(used or 0) / 60,
            "over": int(n_over or 0), "under": int(n_under or 0)}
           for unit, tier, n, n_ended, planned, used, n_over, n_under in rows]
    order = {t: i for i, t in enumerate(TIERS)}
    return sorted(out, key=lambda r: (r["unit"], order.get(r["tier"], 9)))


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
