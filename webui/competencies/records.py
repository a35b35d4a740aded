"""Recording and reading competencies: input checks, who may see whom, the per-unit view."""
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from engine.models import WorklistItem
from webui.competencies.models import LEVELS, METHODS, SUPERVISION_KINDS, StaffCompetence, SupervisionSession
from webui.extensions import db
from webui.models import Organisation, User

RENEWAL_WINDOW_DAYS = 90
NEED_METHODS = ("kat", "dat")  # always shown in need against coverage; others when a task asks
MAX_NOTES = 4000
LEVEL_RANK = {code: rank for rank, code in enumerate(LEVELS)}


class CompetenceInputError(ValueError):
    """Input that cannot be saved; `.messages` lists every reason in Danish."""

    def __init__(self, messages):
        super().__init__("; ".join(messages))
        self.messages = messages


def manages(user) -> bool:
    """True when the user may record competencies (administrators and implementation leads)."""
    return bool(user.is_authenticated and user.roles & {"administrator", "implementation_lead"})


def managed_org_codes(user) -> set[str] | None:
    """Organisations whose staff the user manages: None means all (administrators)."""
    if not manages(user):
        return set()
    if "administrator" in user.roles:
        return None
    # a lead manages their own organisation and the treatment units under it
    units = db.session.scalars(select(Organisation.code).where(
        Organisation.parent_code == user.organisation_code, Organisation.kind == "unit"))
    return {user.organisation_code, *units}


def may_manage_staff(user, staff) -> bool:
    """True when the user may record and read a staff member's competencies and supervision."""
    codes = managed_org_codes(user)
    return manages(user) and (codes is None or staff.organisation_code in codes)


def may_view_staff(user, staff) -> bool:
    """A staff member sees their own page; managers see the staff of their organisations."""
    return bool(user.is_authenticated and (user.id == staff.id or may_manage_staff(user, staff)))


def visible_units(user) -> list[Organisation]:
    """Organisations whose competence view the user may open, by name."""
    codes = managed_org_codes(user)
    query = select(Organisation).where(Organisation.active.is_(True))
    if codes is not None:
        query = query.where(Organisation.code.in_(codes or {""}))
    else:  # administrators: every organisation that has staff
        query = query.where(Organisation.code.in_(select(User.organisation_code)))
    return list(db.session.scalars(query.order_by(Organisation.name)))


def _date(text, label, messages):
    """Parse an ISO date from a form field; add a message and return None when it is not one."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        messages.append(_("%(field)s er ikke en gyldig dato (åååå-mm-dd).", field=label))
        return None


def parse_competence(form, today) -> dict:
    """Checked values for a new competence; CompetenceInputError lists every problem."""
    messages = []
    method, level = form.get("method", ""), form.get("level", "")
    if method not in METHODS:
        messages.append(_("Vælg en metode eller et kompetenceområde."))
    if level not in LEVELS:
        messages.append(_("Vælg et niveau."))
    certified = _date(form.get("certified_on"), _("Certificeringsdato"), messages)
    renewal = _date(form.get("renewal_due"), _("Fornyelsesdato"), messages)
    if not (form.get("certified_on") or "").strip():
        messages.append(_("Angiv certificeringsdatoen."))
    if certified is not None and certified > today:
        messages.append(_("Certificeringsdatoen kan ikke ligge i fremtiden."))
    if certified is not None and renewal is not None and renewal <= certified:
        messages.append(_("Fornyelsesdatoen skal ligge efter certificeringsdatoen."))
    if messages:
        raise CompetenceInputError(messages)
    return {"method": method, "level": level, "certified_on": certified, "renewal_due": renewal}


def parse_supervision(form, today) -> dict:
    """Checked values for a supervision session; CompetenceInputError lists every problem."""
    messages = []
    kind, method = form.get("kind", ""), form.get("method", "") or None
    if kind not in SUPERVISION_KINDS:
        messages.append(_("Vælg metodesupervision eller casesupervision."))
    if method is not None and method not in METHODS:
        messages.append(_("Ukendt metode."))
    held = _date(form.get("held_on"), _("Dato"), messages)
    if not (form.get("held_on") or "").strip():
        messages.append(_("Angiv datoen for supervisionen."))
    if held is not None and held > today:
        messages.append(_("Supervision kan ikke registreres med en dato i fremtiden."))
    notes, supervisor = form.get("notes", "").strip(), form.get("supervisor", "").strip()
    if len(notes) > MAX_NOTES or len(supervisor) > 200:
        messages.append(_("Notatet må højst være 4000 tegn og supervisorens navn 200 tegn."))
    if messages:
        raise CompetenceInputError(messages)
    return {"kind": kind, "method": method, "held_on": held, "notes": notes,
            "supervisor": supervisor}


def add_competence(staff, values, actor) -> StaffCompetence:
    """Store a checked competence for a staff member."""
    row = StaffCompetence(user_id=staff.id, recorded_by=actor, **values)
    db.session.add(row)
    db.session.flush()
    return row


def add_supervision(staff, values, actor) -> SupervisionSession:
    """Store a checked supervision session for a staff member."""
    row = SupervisionSession(user_id=staff.id, recorded_by=actor, **values)
    db.session.add(row)
    db.session.flush()
    return row


def competences_of(user_id) -> list[StaffCompetence]:
    """A staff member's competencies, by method then newest certification."""
    return list(db.session.scalars(select(StaffCompetence).where(
        StaffCompetence.user_id == user_id).order_by(StaffCompetence.method,
                                                     StaffCompetence.certified_on.desc())))


def supervisions_of(user_id) -> list[SupervisionSession]:
    """A staff member's supervision sessions, newest first."""
    return list(db.session.scalars(select(SupervisionSession).where(
        SupervisionSession.user_id == user_id).order_by(SupervisionSession.held_on.desc(),
                                                        SupervisionSession.id.desc())))


@dataclass
class UnitView:
    """Who in one organisation holds which method, coverage per method, and renewals due."""

    staff: list = field(default_factory=list)          # User rows, by name
    holdings: dict = field(default_factory=dict)       # (user_id, method) → best StaffCompetence
    coverage: dict = field(default_factory=dict)       # method → staff holding it (certified or above)
    renewals: list = field(default_factory=list)       # (StaffCompetence, User, overdue), soonest first


def unit_view(org_code, today) -> UnitView:
    """The competence view of one organisation's active staff (two queries, any staff size).

    Plain rows, not ORM objects: at 2,000 staff building 8,000 entities cost most of the time.
    """
    connection = db.session.connection()  # Core rows: no ORM bookkeeping per row
    view = UnitView(staff=list(connection.execute(
        select(User.id, User.username, User.full_name).where(
            User.organisation_code == org_code, User.active.is_(True))
        .order_by(User.full_name, User.username))))
    by_id = {u.id: u for u in view.staff}
    rank = case(LEVEL_RANK, value=StaffCompetence.level, else_=-1)
    # ordered worst to best within a person and method, so the last row of each wins below
    rows = connection.execute(
        select(StaffCompetence.user_id, StaffCompetence.method, StaffCompetence.level,
               StaffCompetence.certified_on, StaffCompetence.renewal_due)
        .join(User, User.id == StaffCompetence.user_id)
        .where(User.organisation_code == org_code, User.active.is_(True))
        .order_by(StaffCompetence.user_id, StaffCompetence.method, rank,
                  StaffCompetence.certified_on))
    view.holdings = {(row[0], row[1]): row for row in rows}
    horizon = today + timedelta(days=RENEWAL_WINDOW_DAYS)
    view.coverage = dict.fromkeys(METHODS, 0)
    covering = {code for code, r in LEVEL_RANK.items() if r >= LEVEL_RANK["certified"]}
    # only the best holding per person and method: a renewed certificate replaces the old one
    for (uid, method), row in view.holdings.items():
        due = row[4]
        if due is not None and due <= horizon:
            view.renewals.append((row, by_id[uid], due < today))
        if row[2] in covering and method in view.coverage:
            view.coverage[method] += 1
    view.renewals.sort(key=lambda item: (item[0].renewal_due, item[1].username))
    return view


def holders(org_code, method, limit=10) -> list:
    """(username, full name) of active staff in an organisation holding a method, by name."""
    return list(db.session.execute(
        select(User.username, User.full_name).distinct()
        .join(StaffCompetence, StaffCompetence.user_id == User.id)
        .where(User.organisation_code == org_code, User.active.is_(True),
               StaffCompetence.method == method)
        .order_by(User.full_name, User.username).limit(limit)))


def uncovered_tasks(org_code) -> dict:
    """{method: open tasks} for tasks of the organisation needing a method nobody there holds."""
    held = select(StaffCompetence.method).join(User, User.id == StaffCompetence.user_id).where(
        User.organisation_code == org_code, User.active.is_(True))
    rows = db.session.execute(
        select(WorklistItem.competence, func.count()).where(
            WorklistItem.org_code == org_code, WorklistItem.kind == "task",
            WorklistItem.competence.is_not(None), WorklistItem.competence.not_in(held))
        .group_by(WorklistItem.competence))
    return {method: count for method, count in rows}


def need_against_coverage(org_code, coverage) -> list[dict]:
    """Per method: patients with an open task here that needs it, against certified staff.

    The need comes from the pathway definitions: a task naming a competence (Ustabil's activity
    needs DAT, Stabil's KAT, as drafts) is open for as long as the patient is in that phase, so
    the patients with such an open task of this organisation are the patients in those phases.
    """
    rows = db.session.execute(
        select(WorklistItem.competence, func.count(func.distinct(WorklistItem.patient_id)))
        .where(WorklistItem.org_code == org_code, WorklistItem.kind == "task",
               WorklistItem.competence.is_not(None))
        .group_by(WorklistItem.competence))
    patients = {method: n for method, n in rows}
    out = []
    for method in dict.fromkeys([*NEED_METHODS, *sorted(patients)]):
        need, staff = patients.get(method, 0), coverage.get(method, 0)
        out.append({"method": method, "patients": need, "certified": staff,
                    "per_staff": round(need / staff, 1) if staff else None,
                    "gap": bool(need and not staff)})
    return out
