"""A return to Opstart after an admission keeps the tools already completed (docs/pathway.md)."""
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
