"""The worklist: the start page after login, with claim and release."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engine import service
from engine.errors import Conflict
from engine.models import WorklistItem
from webui.access import has_area, may_work, require_area
from webui.audit import audit
from webui.common.paging import page_count
from webui.common.phases import LANE_LABELS, STAGE_LABELS
from webui.common.timeutil import is_overdue
from webui.competencies.models import METHODS
from webui.extensions import db
from webui.notices import unread_for_worklist
from webui.pathways.guarantee import for_pathways
from webui.patient.staff_views import patient_worklist_extras
from webui.security import safe_local_path
from webui.worklist.query import PAGE_SIZE, Filters, worklist_page

bp = Blueprint("worklist", __name__, template_folder="templates")
BREACH_STAGES = ("henvisning", "opstart")


@bp.get("/")
@login_required
def index():
    """Show my open tasks; staff without a clinical role get an overview page instead."""
    if not has_area(current_user, "worklist"):
        return render_template("worklist/no_worklist.html")
    filters = Filters.from_args(request.args)
    items, total = worklist_page(db.session, current_user, filters)
    facts = for_pathways(db.session, [item.pathway_id for item in items])
    days_left = {pid: g.days_left for pid, g in facts.items() if g.days_left is not None}
    guarantee_days = {pid: g.warning for pid, g in facts.items() if g.warning is not None}
    # a breach is marked while treatment has still to get going (referral and Opstart)
    breached = {item.pathway_id for item in items if item.stage in BREACH_STAGES
                and facts.get(item.pathway_id) and facts[item.pathway_id].status == "breached"}
    notices, unread = unread_for_worklist(db.session)
    audit("view_worklist", detail=f"filters={filters.as_args()} rows={len(items)}"
          + (f" notices={','.join(str(n.id) for n, _name in notices)}" if notices else ""))
    pages = page_count(total, PAGE_SIZE)
    # rendered before the commit: a commit expires the rows, and a row completed by someone
    # else meanwhile could then not be reloaded (a 500 under load)
    page = render_template("worklist/index.html", items=items, total=total, filters=filters,
                           pages=pages, stages=STAGE_LABELS,
                           # translated once here, not once per row
                           lanes={code: str(label) for code, label in LANE_LABELS.items()},
                           is_overdue=is_overdue, guarantee_days=guarantee_days,
                           days_left=days_left, breached=breached, notices=notices, unread=unread,
                           competence_labels=METHODS, patient_extras=patient_worklist_extras())
    db.session.commit()
    return page


def _item_for_action(item_id):
    """The worklist item the user may claim or release, else 404."""
    item = db.session.get(WorklistItem, item_id)
    if item is None or not may_work(current_user, item):
        abort(404)
    return item


def _back():
    """Where to return after claim/release: the worklist with the same filters."""
    return safe_local_path(request.form.get("next")) or url_for("worklist.index")


def _assign(item_id, action):
    """Claim or release a task; someone else holding it gives a message, not an error."""
    item = _item_for_action(item_id)
    title, holder = item.title, item.assignee
    change, audit_action, done_message = ASSIGN_ACTIONS[action]
    try:
        change(service)(db.session, item.id, current_user.username)
    except Conflict:
        db.session.rollback()
        flash(_("Opgaven “%(title)s” er allerede taget af %(who)s.", title=title, who=holder),
              "warning")
        return redirect(_back())
    audit(audit_action, patient_id=item.patient_id, pathway_id=item.pathway_id, detail=title)
    db.session.commit()
    flash(done_message(title), "success")
    return redirect(_back())


# action → (facade function, audit action, confirmation)
ASSIGN_ACTIONS = {
    "claim": (lambda s: s.claim_task, "claim_task",
              lambda title: _("Du har taget opgaven “%(title)s”.", title=title)),
    "release": (lambda s: s.release_task, "release_task",
                lambda title: _("Du har frigivet opgaven “%(title)s”.", title=title)),
}


@bp.post("/worklist/<int:item_id>/claim")
@require_area("worklist")
def claim(item_id):
    """Take a task: it becomes mine."""
    return _assign(item_id, "claim")


@bp.post("/worklist/<int:item_id>/release")
@require_area("worklist")
def release(item_id):
    """Give a task back to the shared list."""
    return _assign(item_id, "release")
