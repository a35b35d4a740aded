"""The patient page, its BPMN diagram data, the timeline and read-only completed forms."""
import re

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import bindparam, select

from engine import service
from engine.db import once
from engine.errors import NotFound
from engine.models import Pathway, Patient, TaskRecord
from engine.models import WorklistItem as W
from webui.access import get_visible_pathway, may_work, participates, require_area
from webui.audit import audit
from webui.common.phases import lane_label, stage_label
from webui.common.timeutil import is_overdue
from webui.extensions import db
from webui.models import Organisation, User
from webui.pathways import bp, complexity, contact_hours, timeline
from webui.pathways import guarantee as guarantee_fact
from webui.pathways.admission import phase_in
from webui.pathways.conflict import kept_text
from webui.pathways.definitions import form_definition, score_lines, stage_xml
from webui.pathways.formview import build_fields, shown_elsewhere
from webui.pathways.results import latest_results

MIGRATION_CAUSE = re.compile(r"^Version \d+ → \d+$")  # a migration record's title (engine/migration/moves.py)


@once
def _pathways_query():
    return (select(Pathway, Patient).join(Patient, Patient.id == Pathway.patient_id)
            .where(Pathway.patient_id == bindparam("patient_id"), participates(Pathway.id))
            .order_by(Pathway.started_at.desc(), Pathway.id.desc()))


def _pathways_of(patient_id):
    """(the patient, the patient's pathways the user may see, newest first); (None, [])
    when the user may see none of them."""
    rows = db.session.execute(_pathways_query(), {
        "patient_id": patient_id, "org_code": current_user.organisation_code}).all()
    return (rows[0][1] if rows else None), [pathway for pathway, _patient in rows]


@once
def _open_items_query():
    return (select(W).where(W.pathway_id == bindparam("pathway_id"))
            .order_by(W.urgent.desc(), W.due_at.asc().nulls_last(), W.id))


def _open_items(pathway_id):
    """The pathway's open worklist rows: urgent first, then soonest due."""
    return db.session.scalars(_open_items_query(), {"pathway_id": pathway_id}).all()


@once
def _user_query():
    return select(User).where(User.username == bindparam("username"))


@once
def _organisations_query():
    return select(Organisation).where(Organisation.code.in_(bindparam("codes", expanding=True)))


def _names(pathway):
    """Display names of the tovholder and the organisations taking part."""
    tovholder = None
    if pathway.tovholder:
        tovholder = db.session.scalar(_user_query(), {"username": pathway.tovholder})
    codes = {pathway.region_org, pathway.municipality_org, pathway.tovholder_org} - {None}
    orgs = {o.code: o.name for o in db.session.scalars(
        _organisations_query(), {"codes": sorted(codes)})}
    return tovholder, orgs


@bp.get("/patienter/<int:patient_id>")
@require_area("patient")
def patient(patient_id):
    """Current phase, open tasks, tovholder, deadlines, diagram and timeline of a patient."""
    # the visible pathways are the access check (get_visible_patient's rule), and the patient
    # comes with them: one statement
    patient, pathways = _pathways_of(patient_id)
    if patient is None:
        abort(404)
    pathway = next((p for p in pathways if p.status == "active"), pathways[0])
    items = _open_items(pathway.id)
    kept_drafts = service.closed_drafts(db.session, pathway.id)
    entries, older = timeline.page(db.session, pathway.id, request.args.get("foer", type=int))
    tovholder, orgs = _names(pathway)
    # the referral's result shows until visitation: every referral answers on the worklist
    # (docs/ui.md, "Referrals and other regions"), and the referrer opens the patient from there
    referred = request.args.get("henvist", type=int) == pathway.id or \
        (pathway.status == "active" and pathway.stage == "henvisning")
    admission = phase_in(db.session, pathway) if referred else None
    fact = guarantee_fact.of_pathway(pathway)
    # rendered before the audit commit: a commit would expire every loaded row, and
    # re-reading them one by one would make the page's queries grow with the timeline
    html = render_template(
        "pathways/patient.html", patient=patient, pathway=pathway, pathways=pathways,
        items=items, entries=entries, older=older, kept_drafts=kept_drafts,
        kept_text=lambda draft: kept_text(draft, pathway.version_id),
        moved_by_migration=lambda draft: bool(MIGRATION_CAUSE.match(draft.closed_reason or "")),
        tovholder=tovholder, orgs=orgs,
        may_work=lambda item: may_work(current_user, item), is_overdue=is_overdue,
        stage_label=stage_label, lane_label=lane_label,
        referred=referred, admission=admission, guarantee=fact, guarantee_days=fact.warning,
        days_left=fact.days_left, results=latest_results(db.session, pathway),
        hours=contact_hours.stays(db.session, pathway), contact_forms=contact_hours.CONTACT_FORMS,
        tier_history=complexity.history(db.session, pathway), tier_labels=complexity.TIER_LABELS,
        intensity=complexity.intensity(db.session, pathway.complexity_tier, pathway.version_id),
        offer_labels=complexity.OFFER_LABELS, digital_labels=complexity.DIGITAL_LABELS)
    audit("view_patient", patient_id=patient.id, pathway_id=pathway.id)
    db.session.commit()
    return html


@bp.get("/forloeb/<int:pathway_id>/diagram")
@require_area("patient")
def diagram(pathway_id):
    """The current stage's BPMN XML (of the pathway's own version) with task markers."""
    pathway = get_visible_pathway(db.session, current_user, pathway_id)
    if not pathway.stage:
        abort(404)
    xml = stage_xml(db.session, pathway.version_id, pathway.stage)
    if xml is None:
        abort(404)
    done = db.session.scalars(select(TaskRecord.task_spec).where(
        TaskRecord.pathway_id == pathway.id, TaskRecord.run_no == pathway.run_no,
        TaskRecord.kind.in_(("task", "timer", "message")))).all()
    current = [i.task_spec for i in _open_items(pathway.id)]
    audit("view_diagram", patient_id=pathway.patient_id, pathway_id=pathway.id)
    db.session.commit()
    return jsonify(xml=xml, process=pathway.stage, current=sorted(set(current)),
                   done=sorted(set(done) - set(current)))


@bp.get("/forloeb/<int:pathway_id>/historik/<int:record_id>")
@require_area("patient")
def record(pathway_id, record_id):
    """One completed step of the timeline; a completed form is shown read-only."""
    pathway = get_visible_pathway(db.session, current_user, pathway_id)
    entry = db.session.get(TaskRecord, record_id)
    if entry is None or entry.pathway_id != pathway.id:
        abort(404)
    definition = form_definition(entry.form_id, entry.version_id) if entry.form_id else None
    fields = build_fields(definition.get("components"), entry.data or {}, {},
                          skip_texts=shown_elsewhere(definition)) if definition else []
    audit("view_record", patient_id=pathway.patient_id, pathway_id=pathway.id,
          detail=f"record={entry.id} {entry.task_spec or ''}")
    db.session.commit()
    scores = score_lines(definition, entry.data or {}) if definition else []
    return render_template("pathways/record.html", pathway=pathway, entry=entry,
                           definition=definition, fields=fields, scores=scores,
                           stage_label=stage_label, lane_label=lane_label)


@bp.post("/forloeb/<int:pathway_id>/kladder/<task_id>/slet")
@require_area("patient")
def discard_kept_draft(pathway_id, task_id):
    """Delete one's own draft kept for a task that closed without it."""
    pathway = get_visible_pathway(db.session, current_user, pathway_id)
    draft = next((d for d in service.closed_drafts(db.session, pathway.id)
                  if d.task_id == task_id), None)
    if draft is None or draft.actor != current_user.username:
        abort(404)
    title = draft.title
    try:
        service.discard_closed_draft(db.session, pathway.id, task_id)
    except NotFound:
        abort(404)
    audit("discard_draft", patient_id=pathway.patient_id, pathway_id=pathway.id, detail=title)
    patient_id = pathway.patient_id
    db.session.commit()
    flash(_("Kladden er slettet."), "success")
    return redirect(url_for("pathways.patient", patient_id=patient_id))
