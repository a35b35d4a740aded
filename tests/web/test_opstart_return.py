"""A return to Opstart after an admission keeps the tools already completed (docs/pathway.md)."""
import re

from engine import service
from tests.web import pathway_setup as setup
from webui.extensions import db

INPATIENT = ("indlagt_henvendelse", "selvmordsrisiko", "indlagt_diagnostik", "medicingennemgang")
TOOLS = {"audit", "dudit", "selvmordsrisiko", "medicingennemgang", "koordineret_plan",
         "skadesreduktion"}


def _forms(pathway_id):
    return {i.form_id for i in setup.open_items(pathway_id) if i.kind == "task"}


def test_return_to_opstart_reopens_only_what_is_due_again(app):
    with app.app_context():
        pathway = setup.to_opstart(contacts=("psykiatri", "kommune"))
        assert _forms(pathway.id) == TOOLS
        for form_id in ("audit", "dudit", "koordineret_plan", "selvmordsrisiko"):
            setup.complete(pathway.id, form_id, {"suicide_risk_level": "lav"}
                           if form_id == "selvmordsrisiko" else None)
        service.deliver_message(db.session, "indlagt", pathway.patient_id,
                                {"admission_reason": "abstinenser"}, "psyk.kbh")
        db.session.commit()
        for form_id in INPATIENT:
            setup.complete(pathway.id, form_id)
        moved = setup.complete(pathway.id, "indlagt_udskrivelse", {"return_stage": "opstart"})
        assert moved.stage == "opstart"
        # AUDIT, DUDIT and the plan are kept; suicide risk and medication are due again after an
        # admission; harm reduction was never done
        assert _forms(pathway.id) == {"selvmordsrisiko", "medicingennemgang", "skadesreduktion"}
        for form_id in ("selvmordsrisiko", "medicingennemgang", "skadesreduktion"):
            setup.complete(pathway.id, form_id, {"suicide_risk_level": "lav"}
                           if form_id == "selvmordsrisiko" else None)
        assert _forms(pathway.id) == {"opstart_vurdering"}


def test_first_opstart_opens_every_tool(app):
    with app.app_context():
        pathway = setup.to_opstart(cpr="0202902345", contacts=("psykiatri", "kommune"))
        assert _forms(pathway.id) == TOOLS


# what henvisning.bpmn set before the Opstart return rule existed: the four tool keys were not
# initialised, so a pathway started then and migrated onto the current version lacks them
NEW_KEYS = "audit_score = None\ndudit_score = None\nplan_items = None\nharm_reduction = None"


def test_migrated_old_pathway_returns_to_opstart_after_an_admission(app):
    with app.app_context():
        setup.ensure_deployed()
        current = service.latest_version(db.session)
        files = {n: t.encode() for n, t in current.files.items()}
        old_text = files["henvisning.bpmn"].decode()
        assert NEW_KEYS in old_text
        files["henvisning.bpmn"] = old_text.replace("\n" + NEW_KEYS, "", 1).encode()
        opstart = files["opstart.bpmn"].decode()
        files["opstart.bpmn"] = re.sub(r"\s*<bpmn:extensionElements>[^\n]*data_defaults[^\n]*",
                                       "", opstart, count=1).encode()
        assert "data_defaults" not in files["opstart.bpmn"].decode()
        old = service.deploy_bundle(db.session, files, "ejer")
        db.session.commit()
        pathway = setup.to_opstart(cpr="0303903456", contacts=("psykiatri", "kommune"))
        assert pathway.version_id == old.id
        assert "harm_reduction" not in service.pathway_data(db.session, pathway.id)
        setup.complete(pathway.id, "audit")
        service.migrate_pathway(db.session, pathway.id, current.id, "ejer")
        db.session.commit()
        service.deliver_message(db.session, "indlagt", pathway.patient_id,
                                {"admission_reason": "abstinenser"}, "psyk.kbh")
        db.session.commit()
        for form_id in INPATIENT:
            setup.complete(pathway.id, form_id)
        moved = setup.complete(pathway.id, "indlagt_udskrivelse", {"return_stage": "opstart"})
        assert (moved.stage, moved.status, moved.version_id) == ("opstart", "active", current.id)
        # AUDIT done before the admission is kept; the never-done tools open (no unknown name)
        assert _forms(pathway.id) == TOOLS - {"audit"}
        assert service.pathway_data(db.session, pathway.id)["harm_reduction"] is None
