"""`GET /fhir/Patient/<id>/$everything`: one patient's whole pathway in one paged searchset.

One request, one audit entry and one commit instead of a search per resource type. The order
is fixed so pages do not shift: the Patient, its EpisodeOfCare and CarePlan per pathway, the
hospital stays, the open tasks, then the completed tasks, completed forms and pathway markers
newest first (the first page stays the same size however old the pathway is).
"""
from sqlalchemy import func, select

from engine.models import Pathway, PathwayParticipant, Patient, TaskRecord, WorklistItem
from webui.extensions import db
from webui.fhir import questionnaires as qs
from webui.fhir import resources
from webui.fhir.models import HospitalStay
from webui.fhir.read import _audit, _page, _paging, _participants, _problem, _recent_runs, bp, with_client
from webui.fhir.read_more import PLAN_DONE_TASKS, PLAN_FORM
from webui.markers.export import observation
from webui.markers.models import PathwayMarker
from webui.pathways.definitions import version_form


def _section(model, where, order, build):
    """(count statement, fetch(limit, offset) -> resources) of one kind of row."""
    count = select(func.count()).select_from(model).where(*where).scalar_subquery()

    def fetch(limit, offset):
        rows = db.session.scalars(select(model).where(*where).order_by(*order).limit(limit).offset(offset))
        return [r for r in (build(row) for row in rows) if r is not None]
    return count, fetch


def _plan(pathway):
    plan = db.session.scalar(select(TaskRecord).where(
        TaskRecord.pathway_id == pathway.id, TaskRecord.kind == "task", TaskRecord.form_id == PLAN_FORM)
        .order_by(TaskRecord.id.desc()).limit(1))
    open_items = db.session.scalars(select(WorklistItem).where(
        WorklistItem.pathway_id == pathway.id, WorklistItem.kind == "task").order_by(WorklistItem.id)).all()
    done = db.session.scalars(select(TaskRecord).where(TaskRecord.pathway_id == pathway.id, TaskRecord.kind == "task")
                              .order_by(TaskRecord.id.desc()).limit(PLAN_DONE_TASKS)).all()[::-1]
    return resources.care_plan(pathway, plan, open_items, done)


def _response(pathways):
    def build(record):
        return qs.questionnaire_response(record, version_form(record.version_id, record.form_id),
                                         pathways[record.pathway_id])
    return build


def _sections(patient, pathways):
    ids = list(pathways)
    by_id = pathways.__getitem__
    return [
        _section(Patient, [Patient.id == patient.id], [Patient.id], resources.patient),
        _section(Pathway, [Pathway.id.in_(ids)], [Pathway.id],
                 lambda p: resources.episode_of_care(p, _recent_runs(p.id), _participants([p.id]).get(p.id, []))),
        _section(Pathway, [Pathway.id.in_(ids)], [Pathway.id], _plan),
        _section(HospitalStay, [HospitalStay.pathway_id.in_(ids)], [HospitalStay.id], resources.encounter),
        _section(WorklistItem, [WorklistItem.pathway_id.in_(ids), WorklistItem.kind == "task"], [WorklistItem.id],
                 lambda i: resources.open_task(i, by_id(i.pathway_id))),
        _section(TaskRecord, [TaskRecord.pathway_id.in_(ids), TaskRecord.kind == "task"], [TaskRecord.id.desc()],
                 lambda r: resources.done_task(r, by_id(r.pathway_id))),
        _section(TaskRecord, [TaskRecord.pathway_id.in_(ids), TaskRecord.kind == "task",
                              TaskRecord.form_id.is_not(None)], [TaskRecord.id.desc()], _response(pathways)),
        _section(PathwayMarker, [PathwayMarker.pathway_id.in_(ids)], [PathwayMarker.id.desc()], observation),
    ]


@bp.get("/Patient/<int:patient_id>/$everything")
@with_client
def everything(client, patient_id):
    """The patient's pathways and all that hangs on them, visible to the client's organisation."""
    count, offset = _paging()
    pathways = {p.id: p for p in db.session.scalars(select(Pathway).where(
        Pathway.patient_id == patient_id, Pathway.id.in_(select(PathwayParticipant.pathway_id).where(
            PathwayParticipant.org_code == client.organisation_code))))}
    patient = db.session.get(Patient, patient_id) if pathways else None
    if patient is None:   # unknown, or no pathway of the client's organisation: nothing disclosed
        _audit(client, f"FHIR Patient/{patient_id}/$everything: not found", set())
        return _problem("READ-NOT-FOUND", f"no Patient {patient_id}", 404)
    sections = _sections(patient, pathways)
    # every section's count in one statement: one round trip instead of eight
    counts = db.session.execute(select(*[count for count, _fetch in sections])).one()
    found, total, skip = [], 0, offset
    for n, (_count, fetch) in zip(counts, sections, strict=True):
        total += n
        if len(found) < count and skip < n:
            found += fetch(count - len(found), skip)
        skip = max(0, skip - n)
    _audit(client, f"FHIR Patient/{patient_id}/$everything", {patient_id})
    return _page(f"Patient/{patient_id}/$everything", found, total, offset, count)
