"""Administrators create staff accounts for any organisation and set their roles (issue 22).

The page does what `flask users create` / `flask users roles` do, with the same checks, and
audits each change (never the password). An administrator cannot take away their own
administrator role or deactivate themselves, so nobody locks the last door from inside.
"""
import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from forms.text import TextRefused, clean_text
from webui import organisations
from webui.access import require_area
from webui.admin import bp
from webui.audit import audit
from webui.auth import sessions
from webui.extensions import db
from webui.models import User
from webui.roles import ROLE_LABELS

MIN_PASSWORD = 10  # as for patients' own accounts (webui/patient/accounts.py)
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")


def choices():
    """Every active organisation an account may belong to: regions, municipalities, units."""
    return {"regions": organisations.regions(), "municipalities": organisations.municipalities(),
            "units": [u for u in organisations.units() if u.active]}


def _roles(form):
    """The checked role codes (unknown codes dropped: only the page's boxes can be sent)."""
    return [r for r in form.getlist("roles") if r in ROLE_LABELS]


def _text(value, limit):
    try:
        return clean_text(value or "", limit).strip()
    except TextRefused:
        return None


def create_problems(form):
    """Danish reasons the create form cannot be saved (empty: fine)."""
    problems = []
    username = (form.get("username") or "").strip().lower()
    if not USERNAME.match(username):
        problems.append(_("Brugernavnet skal være 2–80 tegn: små bogstaver, tal, punktum, "
                          "bindestreg og understreg."))
    elif db.session.scalar(select(User.id).where(User.username == username)):
        problems.append(_("Brugernavnet %(user)s findes allerede.", user=username))
    if _text(form.get("full_name"), 200) is None:
        problems.append(_("Navnet indeholder tegn, som ikke kan gemmes."))
    if not organisations.eligible(form.get("organisation")):
        problems.append(_("Vælg en organisation."))
    if not _roles(form):
        problems.append(_("Vælg mindst én rolle."))
    password = form.get("password") or ""
    if len(password) < MIN_PASSWORD:
        problems.append(_("Adgangskoden skal være mindst %(n)s tegn.", n=MIN_PASSWORD))
    elif password != form.get("password2"):
        problems.append(_("De to adgangskoder er ikke ens."))
    return problems


@bp.get("/users")
@require_area("admin")
def users():
    """List staff accounts with their organisation and roles, and the form to create one."""
    return _page()


def _page(problems=(), status=200, form=None):
    accounts = db.session.scalars(select(User).order_by(User.organisation_code, User.username)).all()
    live = {u.id: sessions.live_count(u.id) for u in accounts}
    return render_template("admin/users.html", accounts=accounts, live=live, problems=problems,
                           form=form or {}, roles=ROLE_LABELS, **choices()), status


@bp.post("/users")
@require_area("admin")
def create_staff_user():
    """Create a staff account with an organisation, roles and a first password."""
    problems = create_problems(request.form)
    if problems:
        return _page(problems, 422, request.form)
    username = request.form["username"].strip().lower()
    roles = _roles(request.form)
    user = User(username=username, full_name=_text(request.form.get("full_name"), 200) or "",
                organisation_code=request.form["organisation"], roles_csv=",".join(roles))
    user.set_password(request.form["password"])
    db.session.add(user)
    audit("create_user", detail=f"user={username} org={user.organisation_code} roles={user.roles_csv}")
    db.session.commit()
    flash(_("Brugeren %(user)s er oprettet.", user=username), "success")
    return redirect(url_for("admin.users"), code=303)


@bp.get("/users/<int:user_id>")
@require_area("admin")
def staff_user(user_id):
    """One account: its organisation, roles and whether it may log in."""
    user = db.session.get(User, user_id) or abort(404)
    return render_template("admin/user.html", user=user, roles=ROLE_LABELS, problems=[], **choices())


@bp.post("/users/<int:user_id>")
@require_area("admin")
def update_staff_user(user_id):
    """Change an account's organisation, roles and active flag (audited: before → after)."""
    user = db.session.get(User, user_id) or abort(404)
    roles, org = _roles(request.form), request.form.get("organisation")
    active = request.form.get("active") == "1"
    problems = []
    if not roles:
        problems.append(_("Vælg mindst én rolle."))
    if not organisations.eligible(org):
        problems.append(_("Vælg en organisation."))
    if user.id == current_user.id and ("administrator" not in roles or not active):
        problems.append(_("Du kan ikke fjerne din egen administratorrolle eller deaktivere dig selv."))
    if problems:
        return render_template("admin/user.html", user=user, roles=ROLE_LABELS, problems=problems,
                               **choices()), 422
    before = f"org={user.organisation_code} roles={user.roles_csv} active={user.active}"
    user.organisation_code, user.roles_csv, user.active = org, ",".join(roles), active
    audit("update_user", detail=f"user={user.username} {before} -> org={org} "
                                f"roles={user.roles_csv} active={active}")
    db.session.commit()
    flash(_("Brugeren %(user)s er opdateret.", user=user.username), "success")
    return redirect(url_for("admin.users"), code=303)
