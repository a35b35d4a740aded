"""Implementation leads: phase-in of groups 1–3 per region and quality indicators.

Only counts are shown, never a patient, so the page reads no personal data.
"""
from datetime import datetime, timezone

from flask import Blueprint, render_template
from sqlalchemy import case, func, select

from webui.access import require_area
from webui.audit import audit
from webui.demo.organisations import REGIONS, region_org
from webui.extensions import db
from webui.phases import STAGE_LABELS
from webui.timeutil import overdue_before

bp = Blueprint("dashboards", __name__, url_prefix="/overblik", template_folder="templates")
GROUPS = (1, 2, 3)


def _phase_in(P):
    """{(region_org, group): {"active", "waiting", "opens"}} over active pathways."""
    rows = db.session.execute(
        select(P.region_org, P.group_no, func.count(),
               func.sum(case((P.waiting_until.is_not(None), 1), else_=0)),
               func.max(P.waiting_until))
        .where(P.status == "active").group_by(P.region_org, P.group_no)).all()
    return {(org, group): {"active": n, "waiting": int(waiting or 0), "opens": opens}
            for org, group, n, waiting, opens in rows}


def _stages(P):
    """{(region_org, stage): count} of active pathways."""
    rows = db.session.execute(select(P.region_org, P.stage, func.count())
                              .where(P.status == "active").group_by(P.region_org, P.stage)).all()
    return {(org, stage): n for org, stage, n in rows}


def _guarantee(P):
    """{region_org: (pathways with a 14-day deadline, of which breached)}."""
    rows = db.session.execute(
        select(P.region_org, func.count(),
               func.sum(case((P.guarantee_breached.is_(True), 1), else_=0)))
        .where(P.guarantee_due.is_not(None)).group_by(P.region_org)).all()
    return {org: (n, int(breached or 0)) for org, n, breached in rows}


def _overdue(P, W):
    """{region_org: open tasks past their due time, in any lane}."""
    now = overdue_before(datetime.now(timezone.utc))  # a deadline lasts its whole Danish day
    rows = db.session.execute(select(P.region_org, func.count()).select_from(W)
                              .join(P, P.id == W.pathway_id)
                              .where(W.kind == "task", W.due_at < now)
                              .group_by(P.region_org)).all()
    return dict(rows)


@bp.get("/")
@require_area("dashboards")
def index():
    """Phase-in per region and group, phase distribution, and quality indicators."""
    from engine.models import Pathway, WorklistItem
    regions = [(region_org(key), name) for key, name in REGIONS.items()]
    audit("view_dashboard")
    db.session.commit()
    return render_template("dashboards/index.html", regions=regions, groups=GROUPS,
                           phase_in=_phase_in(Pathway), stages=_stages(Pathway),
                           stage_labels=STAGE_LABELS, guarantee=_guarantee(Pathway),
                           overdue=_overdue(Pathway, WorklistItem))

