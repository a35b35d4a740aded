"""Build real pathways through the engine facade for the web tests."""

from flask import current_app

from engine import clock, service
from engine.models import WorklistItem
from forms.validation import validate
from webui.demo.filler import answers
from webui.demo.organisations import municipality_org, region_org
from webui.extensions import db
from webui.pathways import cpr as cpr_rules

# enrolment answers that name the demo tovholder
ENROL = {"tovholder": "tovholder.kbh", "tovholder_org": "region-hovedstaden",
         "needs_case_manager": False}


def ensure_deployed():
    """Deploy bpmn/ unless a version exists (the app's deploy hook normally did it)."""
    if service.latest_version(db.session) is None:
        service.deploy_directory(db.session, current_app.config["BPMN_DIR"], "system")
        db.session.commit()


def refer(cpr="0101901235", name="Bent Testesen", region="hovedstaden",
          municipality="koebenhavn", contacts=("psykiatri", "kommune"), actor="psyk.kbh", received=None,
          now=None):
    """Register a patient and start the pathway as the referral form does; return the pathway."""
    ensure_deployed()
    patient = service.register_patient(db.session, cpr, name, cpr_rules.sex(cpr),
                                       cpr_rules.birth_date(cpr), region, municipality)
    data = {"patient_id": patient.id, "region": region, "municipality": municipality,
            "region_org": region_org(region), "municipality_org": municipality_org(municipality),
            "contacts": list(contacts), "referrer": "Egen læge",
            "received_at": (received or clock.today()).isoformat(), "sex": cpr_rules.sex(cpr)}
    pathway = service.start_pathway(db.session, patient.id, data, actor, now=now)
    db.session.commit()
    return pathway


def open_items(pathway_id):
    """The pathway's open worklist rows."""
    return db.session.scalars(db.select(WorklistItem).where(
        WorklistItem.pathway_id == pathway_id)).all()


def item_for(pathway_id, form_id):
    """The open task of the pathway that uses a given form."""
    return next(i for i in open_items(pathway_id) if i.form_id == form_id and i.kind == "task")


def complete(pathway_id, form_id, overrides=None, actor="psyk.kbh", now=None):
    """Complete the pathway's open task with that form, with valid answers."""
    item = item_for(pathway_id, form_id)
    data = validate(form_id, answers(form_id, overrides))
    pathway = service.complete_task(db.session, pathway_id, item.task_id, data, actor, now=now)
    db.session.commit()
    return pathway


def to_opstart(**kwargs):
    """A referred, included and enrolled patient, now in Opstart."""
    pathway = refer(**kwargs)
    complete(pathway.id, "visitation", {"visitation_decision": "inkluderet"})
    return complete(pathway.id, "indskrivning", ENROL)
