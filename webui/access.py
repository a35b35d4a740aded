"""Who may see and do what: the access rules, as data plus small functions.

Every view asks this module. A patient the user may not see is answered with 404, never
403, so that the existence of a patient does not leak across organisations.
"""
from functools import wraps

from flask import abort, current_app
from flask_login import current_user
from sqlalchemy import and_, bindparam, exists, select

from engine import service
from engine.db import once
from engine.models import DefinitionVersion, Pathway, PathwayParticipant, Patient, WorklistItem
from webui.roles import CLINICAL_ROLES

# area → roles that may use it (any one of them is enough).
AREA_ROLES = {
    "worklist": frozenset(CLINICAL_ROLES),
    "refer": frozenset(CLINICAL_ROLES),
    "patient": frozenset(CLINICAL_ROLES),
    "admin": frozenset({"administrator"}),
    "modeler": frozenset({"process_owner"}),
    "dashboards": frozenset({"implementation_lead", "administrator"}),
}

# organisation kind → the start-data key under which a referrer's organisation must appear.
REFERRER_ORG_KEY = {"region": "region_org", "municipality": "municipality_org"}


def has_area(user, area: str) -> bool:
    """True when the user holds one of the roles that open an area."""
    return bool(user.is_authenticated and user.roles & AREA_ROLES[area])


def require_area(area: str):
    """View decorator: 403 unless the logged-in user may use the area."""
    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                # An expired session is sent to the login page (and back), not shown a 403.
                return current_app.login_manager.unauthorized()
            if not has_area(current_user, area):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorate


def can_refer(user) -> bool:
    """True when the user may register referrals."""
    return has_area(user, "refer")


def is_admin(user) -> bool:
    """True when the user may read the audit log and the user list."""
    return has_area(user, "admin")


def participant_clause(user, pathway_id_column):
    """SQL condition: the user's organisation takes part in the pathway in that column."""
    return exists().where(PathwayParticipant.pathway_id == pathway_id_column,
                          PathwayParticipant.org_code == user.organisation_code)


def participates(pathway_id_column):
    """participant_clause with the organisation as the bound parameter `org_code`."""
    return exists().where(PathwayParticipant.pathway_id == pathway_id_column,
                          PathwayParticipant.org_code == bindparam("org_code"))


def visible_pathways_query(user):
    """SELECT of the pathways the user may see (empty without a clinical role)."""
    query = select(Pathway)
    if not has_area(user, "patient"):
        return query.where(Pathway.id.is_(None))
    return query.where(participant_clause(user, Pathway.id))


def patient_visible(session, user, patient_id) -> bool:
    """True when one of the patient's pathways has the user's organisation as participant."""
    if not has_area(user, "patient"):
        return False
    return session.scalar(_patient_visible_query(), {
        "patient_id": patient_id, "org_code": user.organisation_code}) is not None


@once
def _patient_visible_query():
    return select(Pathway.id).where(Pathway.patient_id == bindparam("patient_id"),
                                    participates(Pathway.id)).limit(1)


def get_visible_patient(session, user, patient_id):
    """The patient, or 404 when it does not exist or the user may not see it."""
    patient = session.get(Patient, patient_id)
    if patient is None or not patient_visible(session, user, patient_id):
        abort(404)
    return patient


def get_visible_pathway(session, user, pathway_id):
    """The pathway, or 404 unless the user's organisation takes part in this very pathway."""
    if not has_area(user, "patient"):
        abort(404)
    # taking part in another of the patient's pathways (e.g. before a move) is not enough;
    # the version's content hash comes along: the form, the bundle and the decisions need it,
    # and this saves them a round trip of their own
    found = session.execute(_visible_pathway_query(), {
        "pathway_id": pathway_id, "org_code": user.organisation_code}).first()
    if found is None:
        abort(404)
    pathway, digest = found
    service.note_digest(session, pathway.version_id, digest)
    return pathway


@once
def _visible_pathway_query():
    return (select(Pathway, DefinitionVersion.content_hash)
            .outerjoin(DefinitionVersion, DefinitionVersion.id == Pathway.version_id)
            .where(Pathway.id == bindparam("pathway_id"), participates(Pathway.id)))


@once
def _visible_task_query():
    item = and_(WorklistItem.pathway_id == Pathway.id, WorklistItem.task_id == bindparam("task_id"),
                WorklistItem.kind == "task")
    return _visible_pathway_query().add_columns(WorklistItem).outerjoin(WorklistItem, item)


def get_visible_task(session, user, pathway_id, task_id):
    """(pathway, its open task row or None) in one statement; 404 as get_visible_pathway."""
    if not has_area(user, "patient"):
        abort(404)
    found = session.execute(_visible_task_query(), {
        "pathway_id": pathway_id, "task_id": task_id, "org_code": user.organisation_code}).first()
    if found is None:
        abort(404)
    pathway, digest, item = found
    service.note_digest(session, pathway.version_id, digest)
    return pathway, item


def may_work(user, item) -> bool:
    """True when a worklist item is for one of the user's roles in the user's organisation."""
    return bool(item.kind == "task" and item.role in user.roles
                and item.org_code == user.organisation_code)


def referral_org_allowed(user, start_data: dict) -> bool:
    """True when the referrer's organisation is the patient's region or municipality."""
    key = REFERRER_ORG_KEY.get(user.organisation.kind)
    return bool(key and start_data.get(key) == user.organisation_code)
