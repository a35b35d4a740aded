"""The crisis plan and the relapse-prevention plan are forms in the versioned definitions: staff
fill them in, the patient sees them, and a process owner's change to a form reaches both."""
from sqlalchemy import select

from engine import service
from engine.models import Pathway
from tests.web import pathway_setup as setup
from tests.web.test_patient_area import _two_patients, activate, new_code
from webui.extensions import db
from webui.patient.models import CrisisPlan

CRISIS = {"warning_signs": "Sover dårligt", "what_helps": "Gåtur", "what_harms": "At være alene",
          "call_day": "Tovholder 33 33 33 33", "call_night": "Akutmodtagelsen 38 64 00 00"}
RELAPSE = {"risk_situations": "Fredag aften alene", "my_strategies": "Ringer til min søster",
           "support": "Søster, tovholder"}


def test_staff_save_both_plans_as_versions_and_the_patient_sees_them(app, client, auth):
    a, b = _two_patients(app)
    code = new_code(client, auth, a)
    auth.login("tovholder.kbh")
    area = client.get(f"/patienter/{a}/egen-side").get_data(as_text=True)
    assert 'name="what_harms"' in area and 'name="risk_situations"' in area  # fields from the forms
    assert client.post(f"/patienter/{a}/kriseplan", data=CRISIS).status_code == 303
    assert client.post(f"/patienter/{a}/kriseplan", data=CRISIS | {"what_helps": "Musik"}).status_code == 303
    assert client.post(f"/patienter/{a}/tilbagefaldsplan", data=RELAPSE).status_code == 303
    # bad input: the relapse plan's required fields, the crisis plan's numbers; nothing saved
    assert client.post(f"/patienter/{a}/tilbagefaldsplan", data={"support": "x"}).status_code == 400
    refused = client.post(f"/patienter/{a}/kriseplan", data=CRISIS | {"call_night": ""})
    assert refused.status_code == 400 and "både dag og nat" in refused.get_data(as_text=True)
    assert client.post(f"/patienter/{a}/ukendtplan", data=CRISIS).status_code == 404
    with app.app_context():
        rows = list(db.session.scalars(select(CrisisPlan).where(CrisisPlan.patient_id == a)
                                       .order_by(CrisisPlan.id)))
        assert [(r.kind, r.version) for r in rows] == [("kriseplan", 1), ("kriseplan", 2), ("tilbagefaldsplan", 1)]
        assert rows[0].data["what_helps"] == "Gåtur" and rows[1].call_night == CRISIS["call_night"]
        assert rows[1].definition_version_id == service.latest_version(db.session).id
    auth.logout()
    activate(client, code, "bent.t")
    home = client.get("/mig/").get_data(as_text=True)
    crisis = home.split('id="crisis"')[1].split("</section>")[0]
    assert "Musik" in crisis and "Gåtur" not in crisis and "Det gør det værre" in crisis
    relapse = home.split('id="relapse"')[1].split("</section>")[0]
    assert "Fredag aften alene" in relapse and "Dem, jeg kan bede om hjælp" in relapse


def test_a_process_owners_change_to_the_plan_form_reaches_editor_and_patient(app, client, auth):
    a, _b = _two_patients(app)
    with app.app_context():
        files = {n: t.encode() for n, t in service.latest_version(db.session).files.items()}
        files["forms/kriseplan.json"] = files["forms/kriseplan.json"].replace(
            "Det gør det værre".encode(), "Det skal andre undgå at gøre".encode())
        version_id = service.deploy_bundle(db.session, files, "ejer").id
        db.session.commit()
        pathway_id = db.session.scalar(select(Pathway.id).where(Pathway.patient_id == a))
        service.migrate_pathway(db.session, pathway_id, version_id, "ejer")
        db.session.commit()
    auth.login("tovholder.kbh")
    area = client.get(f"/patienter/{a}/egen-side").get_data(as_text=True)
    assert "Det skal andre undgå at gøre" in area and "Det gør det værre" not in area
    assert client.post(f"/patienter/{a}/kriseplan", data=CRISIS).status_code == 303
    with app.app_context():
        plan = db.session.scalar(select(CrisisPlan).where(CrisisPlan.patient_id == a))
        assert plan.definition_version_id == version_id


def test_the_coordinated_plan_shows_goals_and_activities_never_the_clinicians_note(app, client, auth):
    a, _b = _two_patients(app)
    with app.app_context():
        pathway_id = db.session.scalar(select(Pathway.id).where(Pathway.patient_id == a))
        setup.complete(pathway_id, "koordineret_plan", {
            "patient_goals": "Jeg vil sove bedre og se min datter hver uge",
            "agreed_activities": "Samtale hver tirsdag; gruppe i kommunen torsdag",
            "plan_note": "INTERN-NOTE om medicin"})
    activate(client, new_code(client, auth, a), "bent.t")
    section = client.get("/mig/").get_data(as_text=True).split('id="plan"')[1].split("</section>")[0]
    assert "Jeg vil sove bedre" in section and "gruppe i kommunen torsdag" in section
    assert "Patientens mål, med patientens egne ord" in section and "(vises for patienten)" not in section
    assert "INTERN-NOTE" not in client.get("/mig/").get_data(as_text=True)
