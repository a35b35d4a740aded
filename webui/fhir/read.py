"""Read-only FHIR R4: the CapabilityStatement, Patient (search and read) and EpisodeOfCare searches.

A client sees only the patients and pathways its organisation takes part in (an unknown or
foreign patient is an empty searchset, not an error: nothing is disclosed), and every search
is audited as `api:<client>` with the patients it returned.
"""
from datetime import UTC, datetime
from functools import wraps
from urllib.parse import urlencode

from flask import Blueprint, current_app, request
from sqlalchemy import exists, func, select

from engine.audit import record
from engine.models import Pathway, PathwayParticipant, PathwayRun, Patient, TaskRecord, WorklistItem
from webui.api.tokens import client_for
from webui.extensions import db
from webui.fhir import outcome, resources
from webui.fhir.codes import CPR_SYSTEM
from webui.fhir.models import HospitalStay

bp = Blueprint("fhir_read", __name__, url_prefix="/fhir")
FHIR_JSON = "application/fhir+json"
PAGE, MAX_PAGE = 20, 100
# an EpisodeOfCare shows the latest stage runs only: an old pathway has hundreds, and the
# answer (and its validation) must not grow with the pathway's age; all runs are in the history
HISTORY_RUNS = 20
DATE_PREFIXES = ("ge", "gt", "le", "lt")


class BadSearch(Exception):
    """A search parameter we cannot honour (answered 400 with an OperationOutcome)."""


def _render(resource, status=200):
    return current_app.response_class(current_app.json.dumps(resource), status=status, mimetype=FHIR_JSON)


def _problem(code, text, status):
    """An OperationOutcome with our code (READ-AUTH, READ-PARAMETER) and a readable text."""
    return outcome.operation_outcome(code, text, status)


def _client():
    client = client_for(request.headers.get("Authorization"))
    if client is None:
        record(db.session, "api:unknown", "api_denied", detail=f"FHIR {request.path}: missing or invalid token",
               source=request.remote_addr or "")
        db.session.commit()
    return client


def with_client(view):
    """The view, called with the requesting client first; 401 OperationOutcome without a valid token."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        client = _client()
        if client is None:
            return _problem("READ-AUTH", "a valid bearer token is required", 401)
        return view(client, *args, **kwargs)
    return wrapped


@bp.errorhandler(BadSearch)
def bad_search(exc):
    """A search parameter we cannot honour: 400 with an OperationOutcome; nothing was read."""
    return _problem("READ-PARAMETER", str(exc), 400)


def _visible(org_code):
    """Pathways the organisation takes part in."""
    return exists().where(PathwayParticipant.pathway_id == Pathway.id, PathwayParticipant.org_code == org_code)


def _base():
    return request.url_root.rstrip("/") + "/fhir"


def _paging():
    try:
        count = min(int(request.args.get("_count", PAGE)), MAX_PAGE)
        offset = int(request.args.get("_offset", 0))
    except ValueError:
        raise BadSearch("_count and _offset must be whole numbers") from None
    if count < 1 or offset < 0:
        raise BadSearch("_count must be positive and _offset not negative")
    return count, offset


def _last_updated(column):
    conditions = []
    for value in request.args.getlist("_lastUpdated"):
        prefix, text = (value[:2], value[2:]) if value[:2] in DATE_PREFIXES else ("eq", value)
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise BadSearch("_lastUpdated must be a date or date-time, e.g. ge2026-01-01") from None
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        op = {"ge": column.__ge__, "gt": column.__gt__, "le": column.__le__, "lt": column.__lt__}.get(prefix)
        if op is None:
            raise BadSearch("_lastUpdated takes the prefixes ge, gt, le and lt")
        conditions.append(op(when))
    return conditions


def _audit(client, detail, patient_ids):
    for patient_id in sorted(patient_ids) or [None]:
        record(db.session, f"api:{client.name}"[:80], "fhir_read", patient_id=patient_id,
               detail=detail[:500], source=request.remote_addr or "")
    db.session.commit()


@bp.get("/metadata")
def metadata():
    """The CapabilityStatement (public, as FHIR clients expect)."""
    return _render(resources.capability_statement(_base(), datetime.now(UTC).date().isoformat()))


@bp.get("/Patient")
@with_client
def patients(client):
    """Search patients by CPR identifier (`identifier=urn:oid:1.2.208.176.1.2|0101901235`)."""
    system, _, value = request.args.get("identifier", "").rpartition("|")
    if not value or system not in ("", CPR_SYSTEM):
        return _problem("READ-PARAMETER", f"search by identifier={CPR_SYSTEM}|<CPR number>", 400)
    since = _last_updated(Patient.created_at)
    rows = db.session.scalars(select(Patient).where(
        Patient.cpr == value.replace("-", ""), *since,
        exists().where(Pathway.patient_id == Patient.id, _visible(client.organisation_code)))).all()
    _audit(client, "FHIR Patient search by identifier", {p.id for p in rows})
    return _render(resources.searchset([resources.patient(p) for p in rows], _base(), request.url, len(rows)))


@bp.get("/Patient/<int:patient_id>")
@with_client
def patient_read(client, patient_id):
    """Read one patient by id, if the client's organisation takes part in one of its pathways."""
    found = db.session.scalar(select(Patient).where(
        Patient.id == patient_id, exists().where(Pathway.patient_id == Patient.id, _visible(client.organisation_code))))
    _audit(client, f"FHIR Patient/{patient_id} read{'' if found else ': not found'}", {found.id} if found else set())
    if found is None:   # unknown or another region's: the same answer, nothing disclosed
        return _problem("READ-NOT-FOUND", f"no Patient {patient_id}", 404)
    resource = resources.patient(found)
    resources.validate(resource)
    return _render(resource)


def _recent_runs(pathway_id):
    """The latest HISTORY_RUNS archived runs of a pathway, oldest first (without their data)."""
    rows = db.session.execute(
        select(PathwayRun.stage, PathwayRun.started_at, PathwayRun.ended_at)
        .where(PathwayRun.pathway_id == pathway_id).order_by(PathwayRun.run_no.desc()).limit(HISTORY_RUNS)).all()
    return rows[::-1]


CHAINED = ("patient.identifier", "patient:Patient.identifier")


def patient_reference():
    """The patient id a search names: `patient=Patient/<id>`, or chained by CPR
    (`patient.identifier=urn:oid:1.2.208.176.1.2|<CPR>`; an unknown CPR is no patient, id 0)."""
    chained = next((request.args[k] for k in CHAINED if k in request.args), None)
    if chained is not None:
        system, _, value = chained.rpartition("|")
        if not value or system not in ("", CPR_SYSTEM):
            raise BadSearch(f"search by patient.identifier={CPR_SYSTEM}|<CPR number>")
        return db.session.scalar(select(Patient.id).where(Patient.cpr == value.replace("-", ""))) or 0
    reference = request.args.get("patient", "").removeprefix("Patient/")
    if not reference.isdigit() or int(reference) > 2**31 - 1:
        raise BadSearch("search by patient=Patient/<id> or patient.identifier=<system>|<CPR>")
    return int(reference)


def _participants(pathway_ids):
    """{pathway id: the organisations taking part}, for the EpisodeOfCare's care team."""
    found = {}
    for pathway_id, org in db.session.execute(select(PathwayParticipant.pathway_id, PathwayParticipant.org_code)
                                              .where(PathwayParticipant.pathway_id.in_(list(pathway_ids)))
                                              .order_by(PathwayParticipant.org_code)):
        found.setdefault(pathway_id, []).append(org)
    return found


@bp.get("/EpisodeOfCare")
@with_client
def episodes(client):
    """Search a patient's pathways (`patient=Patient/<id>`), with _lastUpdated and paging."""
    reference = patient_reference()
    count, offset = _paging()
    where = [Pathway.patient_id == reference, _visible(client.organisation_code),
             *_last_updated(Pathway.updated_at)]
    total = db.session.scalar(select(func.count()).select_from(Pathway).where(*where))
    rows = db.session.scalars(select(Pathway).where(*where).order_by(Pathway.id).limit(count).offset(offset)).all()
    runs = {p.id: _recent_runs(p.id) for p in rows}
    teams = _participants(runs)
    _audit(client, f"FHIR EpisodeOfCare search for patient {reference}", {p.patient_id for p in rows})
    return _page("EpisodeOfCare", [resources.episode_of_care(p, runs.get(p.id, []), teams.get(p.id, []))
                                   for p in rows], total, offset, count)


def _patient_pathways(client):
    """(patient id, the visible pathways of that patient) for a `patient=` search."""
    reference = patient_reference()
    pathways = db.session.scalars(select(Pathway).where(
        Pathway.patient_id == reference, _visible(client.organisation_code))).all()
    return reference, {p.id: p for p in pathways}


def _page(kind, rows, total, offset, count):
    next_url = None
    if offset + count < total:
        args = [(k, v) for k, v in request.args.items(multi=True) if k not in ("_count", "_offset")]
        next_url = f"{_base()}/{kind}?" + urlencode([*args, ("_count", count), ("_offset", offset + count)])
    return _render(resources.searchset(rows, _base(), request.url, total, next_url))


@bp.get("/Encounter")
@with_client
def encounters(client):
    """Search a patient's hospital stays (`patient=Patient/<id>`), as HospitalNotifications told them."""
    patient_id, pathways = _patient_pathways(client)
    count, offset = _paging()
    where = [HospitalStay.pathway_id.in_(list(pathways)), *_last_updated(HospitalStay.updated_at)]
    total = db.session.scalar(select(func.count()).select_from(HospitalStay).where(*where))
    rows = db.session.scalars(select(HospitalStay).where(*where).order_by(HospitalStay.id)
                              .limit(count).offset(offset)).all()
    _audit(client, f"FHIR Encounter search for patient {patient_id}", {patient_id} if pathways else set())
    return _page("Encounter", [resources.encounter(s) for s in rows], total, offset, count)


@bp.get("/Task")
@with_client
def tasks(client):
    """Search a patient's user tasks (`patient=Patient/<id>`): open ones first, then completed."""
    patient_id, pathways = _patient_pathways(client)
    count, offset = _paging()
    ids = list(pathways)
    # an open task last changed when it opened (or was claimed: not stored), a completed one when done
    open_where = [WorklistItem.pathway_id.in_(ids), WorklistItem.kind == "task",
                  *_last_updated(WorklistItem.created_at)]
    done_where = [TaskRecord.pathway_id.in_(ids), TaskRecord.kind == "task", *_last_updated(TaskRecord.at)]
    open_total = db.session.scalar(select(func.count()).select_from(WorklistItem).where(*open_where))
    done_total = db.session.scalar(select(func.count()).select_from(TaskRecord).where(*done_where))
    found = [resources.open_task(i, pathways[i.pathway_id]) for i in db.session.scalars(
        select(WorklistItem).where(*open_where).order_by(WorklistItem.id).limit(count).offset(offset))]
    if len(found) < count:
        skip = max(0, offset - open_total)
        found += [resources.done_task(r, pathways[r.pathway_id]) for r in db.session.scalars(
            select(TaskRecord).where(*done_where).order_by(TaskRecord.id).limit(count - len(found)).offset(skip))]
    _audit(client, f"FHIR Task search for patient {patient_id}", {patient_id} if pathways else set())
    return _page("Task", found, open_total + done_total, offset, count)
