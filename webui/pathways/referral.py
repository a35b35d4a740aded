"""Register a referral: it registers the patient and starts the pathway.

A referral discloses nothing about other organisations' patients (docs/ui.md, "Referrals and
other regions"): a CPR number known only elsewhere is queued for the owning region, and the
referrer gets the same answer as for any new referral, with the name typed, never the stored one.
"""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from engine import service
from engine.errors import PathwayAlreadyActive
from engine.models import Patient
from webui.access import patient_visible, referral_org_allowed, require_area
from webui.audit import audit
from webui.extensions import db
from webui.organisations import municipality_org, region_org
from webui.pathways import bp
from webui.pathways import cpr as cpr_rules
from webui.pathways.referral_form import ReferralForm


def start_data(form, patient_id) -> dict:
    """The henvisning stage's start data (contracts §4) from a valid referral form."""
    return {
        "patient_id": patient_id,
        "region": form.region.data,
        "municipality": form.municipality.data,
        "region_org": region_org(form.region.data),
        "municipality_org": municipality_org(form.municipality.data),
        "contacts": list(form.contacts.data),
        "referrer": form.referrer.data.strip(),
        "received_at": form.received_at.data.isoformat(),
        "sex": cpr_rules.sex(form.cpr.data),
        "referral_reason": (form.referral_reason.data or "").strip(),
    }


def _received(form):
    """The one answer to every accepted referral, whatever the CPR number is known as."""
    flash(_("Henvisningen af %(name)s er modtaget. Forløbet vises på arbejdslisten, når det er "
            "oprettet for din organisation.", name=form.name.data.strip()), "success")
    return redirect(url_for("worklist.index"))


def _already_active(form, patient_id):
    """409 for a patient the user can see already has an active pathway (audited)."""
    db.session.rollback()
    audit("refer_refused", patient_id=patient_id, detail="active pathway exists")
    db.session.commit()
    form.cpr.errors = list(form.cpr.errors) + [_("Patienten har allerede et aktivt forløb.")]
    return render_template("pathways/referral.html", form=form), 409


def lookup_cpr(form, action):
    """The id of the patient with the form's CPR number, or None; the look-up is audited."""
    known = db.session.scalar(select(Patient.id).where(
        Patient.cpr == form.cpr.data.replace("-", "").strip()))
    audit(action, patient_id=known, detail="CPR looked up "
                                           f"({'known' if known else 'new'})")
    return known


def queue_for_owner(form, patient_id, answer, action="refer", **extra):
    """Queue the referral for the region owning the patient and answer as for a new one.

    None when the patient has no pathway at all: then it is referred as a new one.
    """
    referral = dict(start_data(form, patient_id), name=form.name.data.strip(),
                    cpr=form.cpr.data.replace("-", ""), referrer_user=current_user.username,
                    referrer_org=current_user.organisation_code, **extra)
    queued = service.queue_referral(db.session, patient_id, referral, current_user.username)
    if queued is None:
        return None
    audit(action, patient_id=patient_id, pathway_id=queued.pathway_id,
          detail="known elsewhere: queued for the owning region's reconciliation")
    db.session.commit()
    return answer(form)


@bp.route("/henvisning", methods=["GET", "POST"])
@require_area("refer")
def refer():
    """Show the referral form; on a valid post, start the pathway (or queue it) and confirm."""
    form = ReferralForm()
    if not form.validate_on_submit():
        return render_template("pathways/referral.html", form=form), (400 if form.is_submitted() else 200)
    probe = {"region_org": region_org(form.region.data),
             "municipality_org": municipality_org(form.municipality.data)}
    if not referral_org_allowed(current_user, probe):
        form.region.errors = list(form.region.errors) + [
            _("Du kan kun henvise patienter, der bor i din region eller kommune.")]
        return render_template("pathways/referral.html", form=form), 400
    # nothing of this click is written before the definition has run: on SQLite the first
    # write takes the database's one write lock until the commit (start_pathway writes)
    with db.session.no_autoflush:
        known = lookup_cpr(form, "refer_lookup")
        if known is not None and not patient_visible(db.session, current_user, known):
            queued = queue_for_owner(form, known, _received)
            if queued is not None:
                return queued
        patient = service.register_patient(
            db.session, form.cpr.data, form.name.data.strip(), cpr_rules.sex(form.cpr.data),
            cpr_rules.birth_date(form.cpr.data), form.region.data, form.municipality.data,
            write=False)
        try:
            pathway = service.start_pathway(db.session, patient, start_data(form, patient.id),
                                            current_user.username)
        except PathwayAlreadyActive:
            return _already_active(form, patient.id)
    audit("refer", patient_id=patient.id, pathway_id=pathway.id,
          detail=f"contacts={','.join(form.contacts.data)} received_at={form.received_at.data}")
    db.session.commit()
    return _received(form)
