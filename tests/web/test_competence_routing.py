"""Routing by competence: a BPMN task names the competence it needs; the worklist filters by it."""
from sqlalchemy import select

from engine.models import WorklistItem
from tests.web import pathway_setup as setup
from webui.extensions import db
from webui.models import User


def test_tasks_carry_the_competence_their_bpmn_property_names(app):
    with app.app_context():
        pathway = setup.to_opstart()
        needs = dict(db.session.execute(select(WorklistItem.task_spec, WorklistItem.competence)
                                        .where(WorklistItem.pathway_id == pathway.id)).all())
    assert needs["opstart_medicine"] == "pharmacology"
    assert needs["opstart_audit"] is None


def test_the_worklist_shows_tasks_i_have_the_competence_for(app, client, auth):
    with app.app_context():
        setup.to_opstart()
        pia = db.session.scalar(select(User.id).filter_by(username="psyk.kbh"))
    auth.login("psyk.kbh")
    everything = client.get("/").get_data(as_text=True)
    assert "Medicingennemgang" in everything and 'data-competence="pharmacology"' in everything
    competent = client.get("/?competent=1").get_data(as_text=True)
    assert "Medicingennemgang" not in competent   # needs pharmacology, which Pia lacks
    assert "AUDIT (alkohol)" in competent          # needs no particular competence
    auth.logout()
    auth.login("admin")
    client.post(f"/kompetencer/medarbejder/{pia}/kompetence", data={
        "method": "pharmacology", "level": "trained", "certified_on": "2024-02-01"})
    auth.logout()
    auth.login("psyk.kbh")
    assert "Medicingennemgang" in client.get("/?competent=1").get_data(as_text=True)
