"""Read-only FHIR R4, continued: CarePlan, Questionnaire, QuestionnaireResponse and the pathway
markers as Observations. Same tokens, scoping and audit as webui/fhir/read.py."""
from flask import request
from sqlalchemy import exists, func, select

from engine import service
from engine.models import Pathway, PathwayParticipant, TaskRecord, WorklistItem
from forms.registry import UnknownForm
from webui.extensions import db
from webui.fhir import questionnaires as qs
from webui.fhir import resources
from webui.fhir.read import (
    CHAINED,
    BadSearch,
    _audit,
    _last_updated,
    _page,
    _paging,
    _patient_pathways,
    _problem,
    _render,
    bp,
    with_client,
)
from webui.markers.export import CATEGORY, observation
from webui.markers.models import PathwayMarker
from webui.pathways.definitions import version_form
from webui.patient.models import Questionnaire as HomeQuestionnaire

PLAN_FORM = "koordineret_plan"
PLAN_DONE_TASKS = 20   # a CarePlan lists the latest completed tasks only (all are Task resources)


def _forms():
    """(version id, the form ids of the current definition version)."""
    version = service.current_version(db.session)
    if version is None:
        return None, []
    files = service.get_version(db.session, version.id).files or {}
    ids = sorted(name[len("forms/"):-len(".json")] for name in files if name.startswith("forms/"))
    return version.id, ids


def _questionnaire(version_id, form_id):
    if form_id == qs.WHO5_ID:
        return qs.who5_questionnaire()
    return qs.questionnaire(version_form(version_id, form_id), version_id)


@bp.get("/Questionnaire")
@with_client
def questionnaire_search(client):
    """Every form of the current pathway version (and WHO-5 from home), optionally by `_id`/`url`."""
    count, offset = _paging()
    version_id, form_ids = _forms()
    wanted = [qs.fhir_id(f) for f in form_ids] + [qs.WHO5_ID]
    if request.args.get("_id"):
        wanted = [w for w in wanted if w == request.args["_id"]]
    if request.args.get("url"):
        wanted = [w for w in wanted if f"{qs.BASE_URL}/{w}" == request.args["url"].split("|")[0]]
    by_id = {qs.fhir_id(f): f for f in form_ids} | {qs.WHO5_ID: qs.WHO5_ID}
    found = [_questionnaire(version_id, by_id[w]) for w in wanted[offset:offset + count]]
    _audit(client, "FHIR Questionnaire search", set())
    return _page("Questionnaire", found, len(wanted), offset, count)


@bp.get("/Questionnaire/<questionnaire_id>")
@with_client
def questionnaire_read(client, questionnaire_id):
    """One form as a Questionnaire (404 OperationOutcome for an unknown id)."""
    version_id, form_ids = _forms()
    by_id = {qs.fhir_id(f): f for f in form_ids} | {qs.WHO5_ID: qs.WHO5_ID}
    if questionnaire_id not in by_id:
        return _problem("READ-NOT-FOUND", f"no Questionnaire {questionnaire_id[:64]}", 404)
    try:
        resource = _questionnaire(version_id, by_id[questionnaire_id])
    except UnknownForm:
        return _problem("READ-NOT-FOUND", f"no Questionnaire {questionnaire_id[:64]}", 404)
    resources.validate(resource)
    _audit(client, f"FHIR Questionnaire read {questionnaire_id[:64]}", set())
    return _render(resource)


@bp.get("/QuestionnaireResponse")
@with_client
def questionnaire_responses(client):
    """A patient's completed forms (pathway tasks with a form, then WHO-5 from home), newest last."""
    patient_id, pathways = _patient_pathways(client)
    count, offset = _paging()
    task_where = [TaskRecord.pathway_id.in_(list(pathways)), TaskRecord.kind == "task",
                  TaskRecord.form_id.is_not(None), *_last_updated(TaskRecord.at)]
    home_where = [HomeQuestionnaire.patient_id == patient_id, HomeQuestionnaire.answered_at.is_not(None),
                  *_last_updated(HomeQuestionnaire.answered_at)]
    if not pathways:   # a patient of no pathway of the client's organisation: nothing, not even WHO-5
        home_where.append(HomeQuestionnaire.id.is_(None))
    task_total = db.session.scalar(select(func.count()).select_from(TaskRecord).where(*task_where))
    home_total = db.session.scalar(select(func.count()).select_from(HomeQuestionnaire).where(*home_where))
    found = []
    for record in db.session.scalars(select(TaskRecord).where(*task_where).order_by(TaskRecord.id)
                                     .limit(count).offset(offset)):
        try:
            definition = version_form(record.version_id, record.form_id)
        except UnknownForm:
            continue   # a form no version carries any more: the Task still tells of it
        found.append(qs.questionnaire_response(record, definition, pathways[record.pathway_id]))
    if len(found) < count:
        found += [qs.who5_response(row) for row in db.session.scalars(
            select(HomeQuestionnaire).where(*home_where).order_by(HomeQuestionnaire.id)
            .limit(count - len(found)).offset(max(0, offset - task_total)))]
    _audit(client, f"FHIR QuestionnaireResponse search for patient {patient_id}", {patient_id} if pathways else set())
    return _page("QuestionnaireResponse", found, task_total + home_total, offset, count)


@bp.get("/CarePlan")
@with_client
def care_plans(client):
    """A patient's coordinated plans: one CarePlan per pathway, with _lastUpdated and paging."""
    patient_id, pathways = _patient_pathways(client)
    count, offset = _paging()
    where = [Pathway.id.in_(list(pathways)), *_last_updated(Pathway.updated_at)]
    total = db.session.scalar(select(func.count()).select_from(Pathway).where(*where))
    found = []
    for pathway in db.session.scalars(select(Pathway).where(*where).order_by(Pathway.id).limit(count).offset(offset)):
        plan = db.session.scalar(select(TaskRecord).where(
            TaskRecord.pathway_id == pathway.id, TaskRecord.kind == "task", TaskRecord.form_id == PLAN_FORM)
            .order_by(TaskRecord.id.desc()).limit(1))
        open_items = db.session.scalars(select(WorklistItem).where(
            WorklistItem.pathway_id == pathway.id, WorklistItem.kind == "task").order_by(WorklistItem.id)).all()
        done = db.session.scalars(select(TaskRecord).where(
            TaskRecord.pathway_id == pathway.id, TaskRecord.kind == "task")
            .order_by(TaskRecord.id.desc()).limit(PLAN_DONE_TASKS)).all()[::-1]
        found.append(resources.care_plan(pathway, plan, open_items, done))
    _audit(client, f"FHIR CarePlan search for patient {patient_id}", {patient_id} if pathways else set())
    return _page("CarePlan", found, total, offset, count)


@bp.get("/Observation")
@with_client
def observations(client):
    """Pathway markers: a patient's (`patient=`), or every marker of the client organisation's
    pathways changed in a period (`category=pathway-marker&_lastUpdated=ge…`: the national feed)."""
    count, offset = _paging()
    where = list(_last_updated(PathwayMarker.recorded_at))
    if "patient" in request.args or any(k in request.args for k in CHAINED):
        patient_id, pathways = _patient_pathways(client)
        where.append(PathwayMarker.pathway_id.in_(list(pathways)))
    elif request.args.get("category") == CATEGORY["code"] and where:
        patient_id = None
        where.append(exists().where(PathwayParticipant.pathway_id == PathwayMarker.pathway_id,
                                    PathwayParticipant.org_code == client.organisation_code))
    else:
        raise BadSearch("search by patient=Patient/<id>, or by category=pathway-marker with _lastUpdated")
    code = request.args.get("code")
    if code:
        system, _, value = code.rpartition("|")
        where.append(PathwayMarker.code == value)
        if system:
            where.append(PathwayMarker.system == system)
    total = db.session.scalar(select(func.count()).select_from(PathwayMarker).where(*where))
    rows = db.session.scalars(select(PathwayMarker).where(*where).order_by(PathwayMarker.id)
                              .limit(count).offset(offset)).all()
    patients = {m.patient_id for m in rows} if patient_id is None else ({patient_id} if rows or total else set())
    _audit(client, f"FHIR Observation search ({'patient ' + str(patient_id) if patient_id else 'marker feed'})",
           patients)
    return _page("Observation", [observation(m) for m in rows], total, offset, count)

