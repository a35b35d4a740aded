"""Staff side of the patient's own area: activation codes, contacts, questionnaires, crisis
plan and follow-ups, on the page /patienter/<id>/egen-side (linked from the patient page)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from engine import clock
from engine.models import Patient
from forms.validation import FormInvalid
from webui.access import get_visible_patient, require_area
from webui.audit import audit
from webui.extensions import db
from webui.models import Organisation
from webui.patient import accounts, contacts, instruments, plans, questionnaires, staff_bp, trend
from webui.patient.models import (
    FollowUp,
    OutboxMessage,
    PatientAccount,
    PlannedContact,
    Questionnaire,
)
from webui.patient.views import latest_crisis_plan


def _page(patient, status=200, code=None):
    """Render the staff view of the patient's own area."""
    planned = contacts.upcoming(patient.id, limit=50)
    orgs = list(db.session.scalars(select(Organisation).where(Organisation.active.is_(True))
                                   .order_by(Organisation.name)))
    followups = list(db.session.scalars(select(FollowUp).where(FollowUp.patient_id == patient.id)
                                        .order_by(FollowUp.id.desc()).limit(20)))
    has_account = db.session.scalar(select(func.count()).select_from(PatientAccount).where(
        PatientAccount.patient_id == patient.id, PatientAccount.active.is_(True)))
    answered = questionnaires.answered_for(patient.id, limit=26)
    html = render_template(
        "patient_staff/area.html", patient=patient, contacts=planned, orgs=orgs,
        org_names={o.code: o.name for o in orgs}, code=code, has_account=has_account,
        open_questionnaires=questionnaires.open_for(patient.id),
        answered=answered, trend=trend.who5_chart(answered), followups=followups,
        crisis=latest_crisis_plan(patient.id), instruments=instruments.names(),
        plan_forms=_plan_forms(patient.id),
        may_activate="tovholder" in current_user.roles)
    audit("patient_area.view", patient_id=patient.id)
    db.session.commit()
    return html, status, {"Cache-Control": "no-store"} if code else {}


def _plan_forms(patient_id):
    """[(kind, title, fields, newest plan, its values)] for the crisis and relapse-prevention plans."""
    version_id = plans.version_of(patient_id)
    titles = {"kriseplan": _("Kriseplan"), "tilbagefaldsplan": _("Plan for forebyggelse af tilbagefald")}
    shown = []
    for kind in plans.KINDS:
        plan = plans.latest(patient_id, kind)
        shown.append((kind, titles[kind], plans.fields(kind, version_id), plan, plans.values(plan)))
    return shown


def _patient(patient_id) -> Patient:
    return get_visible_patient(db.session, current_user, patient_id)


@staff_bp.get("/patienter/<int:patient_id>/egen-side")
@require_area("patient")
def area(patient_id):
    """What the patient sees and what the team plans for them."""
    return _page(_patient(patient_id))


@staff_bp.post("/patienter/<int:patient_id>/aktiveringskode")
@require_area("patient")
def activation_code(patient_id):
    """Create a one-time activation code; it is shown on this response only."""
    patient = _patient(patient_id)
    if "tovholder" not in current_user.roles:
        abort(403)
    row, code = accounts.new_code(patient.id, current_user.username)
    audit("patient_area.activation_code", patient_id=patient.id,
          detail=f"activation={row.id} expires={row.expires_at.isoformat()}")
    db.session.commit()
    return _page(patient, code=code)


def _contact(patient, contact_id) -> PlannedContact:
    contact = db.session.get(PlannedContact, contact_id)
    if contact is None or contact.patient_id != patient.id:
        abort(404)
    return contact


def _back(patient):
    return redirect(url_for("patient_staff.area", patient_id=patient.id) + "#contacts", 303)


@staff_bp.post("/patienter/<int:patient_id>/kontakter")
@require_area("patient")
def book_contact(patient_id):
    """Book a planned contact."""
    patient = _patient(patient_id)
    return _save_contact(patient, "contact.book", _("Kontakten er booket."), lambda values: contacts.book(
        patient.id, values, current_user.username))


@staff_bp.post("/patienter/<int:patient_id>/kontakter/<int:contact_id>/flyt")
@require_area("patient")
def move_contact(patient_id, contact_id):
    """Move a planned contact (new time, place, organisation or person)."""
    patient = _patient(patient_id)
    contact = _contact(patient, contact_id)
    return _save_contact(patient, "contact.move", _("Kontakten er flyttet."),
                         lambda values: contacts.move(contact, values) or contact)


def _save_contact(patient, action, done, save):
    """Book or move from the posted form: refused input changes nothing; a stored one is audited."""
    try:
        contact = save(contacts.parse(request.form))
    except contacts.ContactError as exc:
        db.session.rollback()
        flash(_(str(exc)), "error")
        return _page(patient, status=400)
    audit(action, patient_id=patient.id, detail=f"contact={contact.id} at={contact.starts_at.isoformat()}")
    db.session.commit()
    flash(done, "info")
    return _back(patient)


@staff_bp.post("/patienter/<int:patient_id>/kontakter/<int:contact_id>/aflys")
@require_area("patient")
def cancel_contact(patient_id, contact_id):
    """Cancel a planned contact."""
    patient = _patient(patient_id)
    contact = _contact(patient, contact_id)
    try:
        contacts.cancel(contact)
    except contacts.ContactError as exc:
        flash(_(str(exc)), "error")
        return _page(patient, status=409)
    audit("contact.cancel", patient_id=patient.id, detail=f"contact={contact.id}")
    db.session.commit()
    flash(_("Kontakten er aflyst."), "info")
    return _back(patient)


@staff_bp.post("/patienter/<int:patient_id>/spoergeskema")
@require_area("patient")
def request_questionnaire(patient_id):
    """Ask the patient to answer WHO-5 from home."""
    patient = _patient(patient_id)
    instrument = request.form.get("instrument", "who5")
    if instrument not in questionnaires.INSTRUMENTS:
        abort(400)
    row = questionnaires.request_for(patient.id, instrument, current_user.username)
    audit("questionnaire.request", patient_id=patient.id, detail=f"questionnaire={row.id} {instrument}")
    db.session.commit()
    flash(_("Patienten er bedt om at udfylde skemaet."), "info")
    return redirect(url_for("patient_staff.area", patient_id=patient.id) + "#questionnaires", 303)


@staff_bp.post("/patienter/<int:patient_id>/<any(kriseplan, tilbagefaldsplan):kind>")
@require_area("patient")
def save_plan(patient_id, kind):
    """Save a new version of the crisis plan or relapse-prevention plan (earlier ones are kept)."""
    patient = _patient(patient_id)
    try:
        plan = plans.save(patient.id, kind, request.form.to_dict(), current_user.username)
    except FormInvalid as exc:
        db.session.rollback()
        for key, messages in exc.errors.items():
            flash(f"{key}: {' '.join(messages)}", "error")
        if kind == "kriseplan" and {"call_day", "call_night"} & set(exc.errors):
            flash(_("Kriseplanen skal sige, hvem patienten ringer til både dag og nat."), "error")
        return _page(patient, status=400)
    audit(f"{'crisis_plan' if kind == 'kriseplan' else 'relapse_plan'}.save", patient_id=patient.id,
          detail=f"version={plan.version} form={kind}@{plan.definition_version_id}")
    db.session.commit()
    flash(_("Kriseplanen er gemt.") if kind == "kriseplan"
          else _("Planen for forebyggelse af tilbagefald er gemt."), "info")
    return redirect(url_for("patient_staff.area", patient_id=patient.id) + f"#{kind}", 303)


@staff_bp.post("/opfoelgning/<int:followup_id>/afslut")
@require_area("worklist")
def finish_followup(followup_id):
    """Mark a follow-up done (only staff of its organisation and role)."""
    task = db.session.get(FollowUp, followup_id)
    if task is None or task.org_code != current_user.organisation_code or task.role not in current_user.roles:
        abort(404)
    if task.done_at is None:
        task.done_at = clock.utcnow()
        task.done_by = current_user.username
        audit("followup.done", patient_id=task.patient_id, detail=f"followup={task.id}")
        db.session.commit()
    if request.form.get("next") == "patient":
        return redirect(url_for("patient_staff.area", patient_id=task.patient_id), 303)
    return redirect(url_for("worklist.index"), 303)


def patient_worklist_extras():
    """Today's contacts and open follow-ups for the worklist (read by its view, not its template)."""
    if not current_user.is_authenticated or not current_user.roles:
        return None
    today = contacts.today_for_org(current_user.organisation_code)
    followups = questionnaires.open_followups_for_org(current_user.organisation_code, current_user.roles)
    ids = {c.patient_id for c in today} | {f.patient_id for f in followups}
    names = dict(db.session.execute(select(Patient.id, Patient.name).where(Patient.id.in_(ids))).all()) if ids else {}
    questionnaire_ids = [f.questionnaire_id for f in followups]
    answers = {q.id: q for q in db.session.scalars(select(Questionnaire).where(
        Questionnaire.id.in_(questionnaire_ids)))} if questionnaire_ids else {}
    if ids:
        audit("worklist.patient_extras", detail=f"contacts={len(today)} followups={len(followups)}")
    return {"contacts": today, "followups": followups, "names": names, "answers": answers}


@staff_bp.get("/admin/udbakke")
@require_area("admin")
def outbox_page():
    """The development/demo outbox: messages the sender would have sent to patients."""
    rows = db.session.execute(select(OutboxMessage, PatientAccount.username).join(
        PatientAccount, PatientAccount.id == OutboxMessage.account_id)
        .order_by(OutboxMessage.id.desc()).limit(100)).all()
    audit("outbox.view", detail=f"rows={len(rows)}")
    html = render_template("patient_staff/outbox.html", rows=rows)
    db.session.commit()
    return html
