"""Staff competencies and supervision: recorded by administrators and leads, a view per unit.

A staff member sees their own page; administrators and implementation leads see the staff of
the organisations they manage. Anyone else gets 404, so a colleague's page (and its
supervision notes) does not even reveal that it exists. Patients have no login at all.
"""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engine import clock
from webui.audit import audit
from webui.common.paging import page_count, page_number
from webui.competencies import records
from webui.competencies.models import LEVELS, METHODS, SUPERVISION_KINDS
from webui.extensions import db
from webui.models import Organisation, User

STAFF_PAGE = 100      # rows of the who-holds-what table per page
RENEWALS_SHOWN = 100  # renewals listed; the rest are counted

bp = Blueprint("competencies", __name__, url_prefix="/kompetencer", template_folder="templates")


def _staff_or_404(user_id):
    """The staff member, or 404 unless the current user may see them."""
    staff = db.session.get(User, user_id)
    if staff is None or not records.may_view_staff(current_user, staff):
        abort(404)
    return staff


@bp.get("/")
@login_required
def index():
    """Managers: the organisations they may open; everyone else: their own page."""
    if not records.manages(current_user):
        return redirect(url_for("competencies.staff", user_id=current_user.id))
    return render_template("competencies/index.html", units=records.visible_units(current_user))


@bp.get("/medarbejder/<int:user_id>")
@login_required
def staff(user_id):
    """One staff member's competencies and supervision sessions, with forms for managers."""
    member = _staff_or_404(user_id)
    page = _render_staff(member)  # before the commit, which would expire the loaded rows
    audit("view_competencies", detail=f"user={member.username}")
    db.session.commit()
    return page


def _render_staff(member, status=200, form=None, errors=None):
    """The staff page (also re-shown with the reasons when input was refused)."""
    page = render_template(
        "competencies/staff.html", member=member, competences=records.competences_of(member.id),
        supervisions=records.supervisions_of(member.id), methods=METHODS, levels=LEVELS,
        kinds=SUPERVISION_KINDS, may_manage=records.may_manage_staff(current_user, member),
        form=form or {}, errors=errors or [], today=clock.today())
    return page, status


def _managed_staff_or_404(user_id):
    """The staff member, or 404 unless the current user may record for them."""
    member = db.session.get(User, user_id)
    if member is None or not records.may_manage_staff(current_user, member):
        abort(404)
    return member


def _record_for(user_id, parse, add, action, detail, done):
    """Parse, store and audit one record for a staff member; refused input is shown again
    with every reason and nothing saved."""
    member = _managed_staff_or_404(user_id)
    try:
        values = parse(request.form, clock.today())
    except records.CompetenceInputError as exc:
        db.session.rollback()
        return _render_staff(member, 400, request.form, exc.messages)
    row = add(member, values, current_user.username)
    audit(action, detail=f"user={member.username} {detail(row)}")
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("competencies.staff", user_id=member.id), code=303)


@bp.post("/medarbejder/<int:user_id>/kompetence")
@login_required
def add_competence(user_id):
    """Record a competence."""
    return _record_for(user_id, records.parse_competence, records.add_competence, "add_competence",
                       lambda row: f"method={row.method} level={row.level}",
                       _("Kompetencen er registreret."))


@bp.post("/medarbejder/<int:user_id>/supervision")
@login_required
def add_supervision(user_id):
    """Log a supervision session."""
    return _record_for(user_id, records.parse_supervision, records.add_supervision, "add_supervision",
                       lambda row: f"kind={row.kind}", _("Supervisionen er registreret."))


@bp.get("/enhed/<code>")
@login_required
def unit(code):
    """Who in a unit holds which method, coverage per method, and renewals due within 90 days."""
    org = db.session.get(Organisation, code[:64])
    codes = records.managed_org_codes(current_user)
    if org is None or not records.manages(current_user) or (codes is not None and org.code not in codes):
        abort(404)
    today = clock.today()
    view = records.unit_view(org.code, today)
    # rendered before the audit commit: a commit expires every loaded row, and reloading
    # them one by one made the page take seconds at 2,000 staff
    methods = {code: str(label) for code, label in METHODS.items()}
    levels = {code: str(label) for code, label in LEVELS.items()}
    page = page_number(request.args)
    start = (page - 1) * STAFF_PAGE
    html = render_template("competencies/unit.html", org=org, view=view, methods=methods,
                           levels=levels, today=today, window=records.RENEWAL_WINDOW_DAYS,
                           staff=view.staff[start:start + STAFF_PAGE], page=page,
                           pages=page_count(len(view.staff), STAFF_PAGE),
                           renewals=view.renewals[:RENEWALS_SHOWN],
                           uncovered=records.uncovered_tasks(org.code),
                           need=records.need_against_coverage(org.code, view.coverage))
    audit("view_unit_competencies", detail=f"org={org.code}")
    db.session.commit()
    return html
