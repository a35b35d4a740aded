"""Register a referral: it registers the patient and starts the pathway."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from engine import service
from engine.errors import PathwayAlreadyActive
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


@bp.route("/henvisning", methods=["GET", "POST"])
@require_area("refer")
def refer():
    """Show the referral form; on a valid post, start the pathway and show the result."""
    form = ReferralForm()
    if not form.validate_on_submit():
        return render_template("pathways/referral.html", form=form), (400 if form.is_submitted() else 200)
    probe = {"region_org": region_org(form.region.data),
             "municipality_org": municipality_org(form.municipality.data)}
    if not referral_org_allowed(current_user, probe):
        form.region.errors = list(form.region.errors) + [
            _("Du kan kun henvise patienter, der bor i din region eller kommune.")]
        return render_template("pathways/referral.html", form=form), 400
    patient = service.register_patient(
        db.session, form.cpr.data, form.name.data.strip(), cpr_rules.sex(form.cpr.data),
        cpr_rules.birth_date(form.cpr.data), form.region.data, form.municipality.data)
    try:
        pathway = service.start_pathway(db.session, patient.id, start_data(form, patient.id),
                                        current_user.username)
    except PathwayAlreadyActive:
        db.session.rollback()
        form.cpr.errors = list(form.cpr.errors) + [_("Patienten har allerede et aktivt forløb.")]
        return render_template("pathways/referral.html", form=form), 409
    audit("refer", patient_id=patient.id, pathway_id=pathway.id,
          detail=f"contacts={','.join(form.contacts.data)} received_at={form.received_at.data}")
    db.session.commit()
    if not patient_visible(db.session, current_user, patient.id):
        flash(_("Henvisningen er registreret. Din organisation deltager ikke i forløbet."), "info")
        return redirect(url_for("worklist.index"))
    flash(_("Henvisningen er registreret, og forløbet er startet."), "success")
    return redirect(url_for("pathways.patient", patient_id=patient.id, henvist=pathway.id))
