"""Admissions from the patient page, and acute presentations that start a pathway in the inpatient stage."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from engine import service
from engine.errors import Conflict, NoRecipient, PathwayAlreadyActive
from engine.models import Pathway
from webui.access import get_visible_pathway, patient_visible, referral_org_allowed, require_area
from webui.audit import audit
from webui.demo.organisations import region_org
from webui.extensions import db
from webui.pathways import bp
from webui.pathways import cpr as cpr_rules
from webui.pathways.referral import lookup_cpr, queue_for_owner, start_data
from webui.pathways.referral_form import ReferralForm

OUTPATIENT_STAGES = ("opstart", "ustabil", "stabil", "overgang")
# referral, visitation and the wait for phase-in may be interrupted by an admission too
ADMITTING_STAGES = ("henvisning", *OUTPATIENT_STAGES)
ADMISSION_REASONS = [SelectChoice("psykisk_forvaerring", _l("Psykisk forværring")),
                     SelectChoice("selvmordsrisiko", _l("Selvmordsrisiko")),
                     SelectChoice("abstinenser", _l("Abstinenser")),
                     SelectChoice("afrusning", _l("Afrusning")),
                     SelectChoice("andet", _l("Andet"))]
REASON_VALUES = {c.value for c in ADMISSION_REASONS}


def may_admit(user, pathway) -> bool:
    """Psychiatry staff of the pathway's own region may admit a patient who is not admitted."""
    return bool(pathway.status == "active" and pathway.stage in ADMITTING_STAGES
                and "regional_clinician" in user.roles
                and user.organisation_code == pathway.region_org)


@bp.post("/forloeb/<int:pathway_id>/indlaeggelse")
@require_area("patient")
def admit(pathway_id):
    """Admit the patient: the outpatient phase pauses and the inpatient stage starts."""
    pathway = get_visible_pathway(db.session, current_user, pathway_id)
    if not may_admit(current_user, pathway):
        abort(403)
    reason = request.form.get("admission_reason", "")
    if reason not in REASON_VALUES:
        flash(_("Vælg en årsag til indlæggelsen."), "error")
        return redirect(url_for("pathways.patient", patient_id=pathway.patient_id))
    patient_id = pathway.patient_id
    if not _send_admission(pathway, reason):
        flash(_("Patienten kunne ikke indlægges nu: forløbet venter ikke på en indlæggelse."),
              "warning")
        return redirect(url_for("pathways.patient", patient_id=patient_id))
    db.session.commit()
    flash(_("Patienten er indlagt. Kommunen har fået besked."), "success")
    return redirect(url_for("pathways.patient", patient_id=patient_id))


def _send_admission(pathway, reason) -> bool:
    """Deliver the admission message to the pathway and audit it; False (rolled back) if it
    does not wait for one."""
    try:
        service.deliver_message(db.session, "indlagt", pathway.patient_id,
                                {"admission_reason": reason, "admitted_by": current_user.username},
                                current_user.username)
    except (NoRecipient, Conflict):
        db.session.rollback()
        return False
    audit("admit", patient_id=pathway.patient_id, pathway_id=pathway.id, detail=reason)
    return True


class AcuteForm(ReferralForm):
    """An acute presentation: the patient's identity and home, and why they came."""

    admission_reason = SelectField(_l("Årsag til henvendelsen"), choices=ADMISSION_REASONS,
                                   validators=[DataRequired(_l("Vælg en årsag."))])


def may_take_acute(user) -> bool:
    """Only psychiatry staff (a region's organisation) receive acute presentations."""
    return bool(user.is_authenticated and "regional_clinician" in user.roles
                and user.organisation.kind == "region")


@bp.app_context_processor
def inpatient_helpers():
    """Templates may ask whether to offer the acute presentation and the admission."""
    return {"may_take_acute": may_take_acute, "may_admit": may_admit,
            "admission_reasons": ADMISSION_REASONS}


@bp.route("/akut", methods=["GET", "POST"])
@require_area("refer")
def acute():
    """Register an acute presentation; a patient with no pathway starts one in the inpatient stage."""
    if not may_take_acute(current_user):
        abort(403)
    form = AcuteForm()
    if request.method == "GET":
        form.referrer.data = form.referrer.data or _("Akutmodtagelsen")
        form.contacts.data = ["psykiatri"]
    if not form.validate_on_submit():
        return render_template("pathways/acute.html", form=form), (400 if form.is_submitted() else 200)
    if not referral_org_allowed(current_user, {"region_org": region_org(form.region.data)}):
        form.region.errors = list(form.region.errors) + [
            _("Du kan kun modtage patienter, der bor i din region.")]
        return render_template("pathways/acute.html", form=form), 400
    # a new patient is written only after the definition has run (SQLite's one write lock)
    # a CPR number known only in another region is queued for that region, and answered as any
    # new acute presentation: the answer never tells whether the person has a pathway elsewhere
    with db.session.no_autoflush:
        known = lookup_cpr(form, "acute_lookup")
        if known is not None and not patient_visible(db.session, current_user, known):
            queued = queue_for_owner(form, known, _acute_received, action="acute_start",
                                     acute=True, admission_reason=form.admission_reason.data)
            if queued is not None:
                return queued
        patient = service.register_patient(
            db.session, form.cpr.data, form.name.data.strip(), cpr_rules.sex(form.cpr.data),
            cpr_rules.birth_date(form.cpr.data), form.region.data, form.municipality.data,
            write=False)
        data = start_data(form, patient.id)
        # the acute contact is with psychiatry; "akut" sends the pathway to the inpatient stage
        data["contacts"] = sorted(set(data["contacts"]) | {"psykiatri", "akut"})
        data["admission_reason"] = form.admission_reason.data
        try:
            pathway = service.start_pathway(db.session, patient, data, current_user.username)
        except PathwayAlreadyActive:
            db.session.rollback()
            return _admit_existing(form, patient.id)
    audit("acute_start", patient_id=patient.id, pathway_id=pathway.id,
          detail=f"reason={form.admission_reason.data}")
    db.session.commit()
    return _acute_received(form)


def _acute_received(form):
    """The one answer to every accepted acute presentation (the name typed, never a stored one)."""
    flash(_("Den akutte henvendelse for %(name)s er registreret. Forløbet vises på arbejdslisten, "
            "når det er oprettet for din organisation.", name=form.name.data.strip()), "success")
    return redirect(url_for("worklist.index"))


def _admit_existing(form, patient_id):
    """A patient who already has a pathway (referred, waiting or outpatient) is admitted in it."""
    pathway = db.session.scalar(select(Pathway).where(Pathway.patient_id == patient_id,
                                                      Pathway.status == "active"))
    if pathway is None or not may_admit(current_user, pathway) \
            or not _send_admission(pathway, form.admission_reason.data):
        form.cpr.errors = list(form.cpr.errors) + [
            _("Patienten har allerede et aktivt forløb og er indlagt eller kan ikke indlægges "
              "herfra.")]
        return render_template("pathways/acute.html", form=form), 409
    db.session.commit()
    flash(_("Patienten havde allerede et forløb og er nu indlagt i det. Kommunen har fået besked."),
          "success")
    return redirect(url_for("pathways.patient", patient_id=patient_id))
