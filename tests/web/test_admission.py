"""Admission from the patient page, acute presentations, discharge to the chosen phase, notices."""
from sqlalchemy import select

from engine import service
from engine.models import Notice, Pathway
from tests.web import pathway_setup as setup
from webui.extensions import db

BOTH = ("psykiatri", "kommune")
INPATIENT = ("indlagt_henvendelse", "selvmordsrisiko", "indlagt_diagnostik", "medicingennemgang",
             "indlagt_behandling")


def _notices(app, org):
    with app.app_context():
        return [(n.kind, n.data) for n in db.session.scalars(
            select(Notice).where(Notice.org_code == org).order_by(Notice.id))]


def _pathway(app, pathway_id):
    with app.app_context():
        return db.session.get(Pathway, pathway_id)


def _discharge(app, pathway_id, to_stage):
    with app.app_context():
        for form_id in INPATIENT:
            setup.complete(pathway_id, form_id)
        return setup.complete(pathway_id, "indlagt_udskrivelse",
                              {"return_stage": to_stage, "discharge_note": "Ambulant opfølgning",
                               "discharge_checklist": ["epikrise", "kommune"]}).stage


def test_psychiatry_admits_from_the_patient_page_and_discharges_to_the_chosen_phase(app, client, auth):
    with app.app_context():
        pathway = setup.to_opstart(contacts=BOTH)
        pathway_id, patient_id = pathway.id, pathway.patient_id
    auth.login("psyk.kbh")
    page = client.get(f"/patienter/{patient_id}").get_data(as_text=True)
    assert 'id="admit"' in page and 'id="admitted-mark"' not in page
    response = client.post(f"/forloeb/{pathway_id}/indlaeggelse",
                           data={"admission_reason": "psykisk_forvaerring"})
    assert response.status_code == 302
    assert _pathway(app, pathway_id).stage == "indlagt"
    page = client.get(f"/patienter/{patient_id}").get_data(as_text=True)
    assert 'id="admitted-mark"' in page and 'id="admit"' not in page
    assert "admitted-mark" in client.get("/").get_data(as_text=True)          # worklist row
    assert "admitted-mark" in client.get("/patienter").get_data(as_text=True)  # patient list
    [(kind, data)] = _notices(app, "kommune-koebenhavn")
    assert kind == "admitted" and data["admitted_from"] == "opstart"
    assert data["reason"] == "psykisk_forvaerring"
    assert _discharge(app, pathway_id, "stabil") == "stabil"
    kinds = _notices(app, "kommune-koebenhavn")
    assert [k for k, _ in kinds] == ["admitted", "discharged"]
    plan = kinds[1][1]["plan"]
    assert plan["return_stage"] == "stabil" and plan["note"] == "Ambulant opfølgning"
    assert "epikrise" in plan["checklist"]
    assert _notices(app, "region-hovedstaden") == []


def test_admission_is_for_the_regions_psychiatry(app, client, auth):
    with app.app_context():
        pathway = setup.to_opstart(contacts=BOTH)
        ids = (pathway.id, pathway.patient_id)
    auth.login("rus.kbh")
    assert 'id="admit"' not in client.get(f"/patienter/{ids[1]}").get_data(as_text=True)
    assert client.post(f"/forloeb/{ids[0]}/indlaeggelse",
                       data={"admission_reason": "andet"}).status_code == 403
    auth.logout()
    auth.login("psyk.kbh")
    bad = client.post(f"/forloeb/{ids[0]}/indlaeggelse", data={"admission_reason": "<x>"},
                      follow_redirects=True)
    assert "Vælg en årsag til indlæggelsen." in bad.get_data(as_text=True)
    assert _pathway(app, ids[0]).stage == "opstart"


def _acute_form(**changes):
    form = {"cpr": "0505905678", "name": "Akut Andersen", "region": "hovedstaden",
            "municipality": "koebenhavn", "contacts": ["kommune"], "referrer": "Akutmodtagelsen",
            "received_at": "2026-01-05", "admission_reason": "selvmordsrisiko"}
    form.update(changes)
    return form


def test_acute_presentation_starts_in_the_inpatient_stage_then_the_chosen_phase(app, client, auth):
    with app.app_context():
        setup.ensure_deployed()
    auth.login("psyk.kbh")
    assert "Akut henvendelse" in client.get("/").get_data(as_text=True)
    response = client.post("/akut", data=_acute_form())
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        pathway = db.session.scalar(select(Pathway))
        pathway_id = pathway.id
        assert (pathway.stage, pathway.group_no, pathway.tovholder_org) == \
            ("indlagt", 2, "region-hovedstaden")
        assert {i.form_id for i in setup.open_items(pathway_id)} >= {"indlagt_henvendelse"}
    [(kind, data)] = _notices(app, "kommune-koebenhavn")
    assert kind == "admitted" and data["admitted_from"] == "akut"
    assert data["reason"] == "selvmordsrisiko"
    with app.app_context():   # an acute start is enrolled during the stay (its tovholder task)
        for form_id in INPATIENT[:4]:
            setup.complete(pathway_id, form_id)
        setup.complete(pathway_id, "indskrivning", setup.ENROL)
        setup.complete(pathway_id, "indlagt_behandling")
        # the phase chosen at discharge is honoured
        assert setup.complete(pathway_id, "indlagt_udskrivelse",
                              {"return_stage": "stabil"}).stage == "stabil"
    assert _pathway(app, pathway_id).treatment_started_at is not None
    again = client.post("/akut", data=_acute_form())   # now an outpatient: admitted in its pathway
    assert again.status_code == 302 and _pathway(app, pathway_id).stage == "indlagt"


def test_acute_presentation_is_for_psychiatry_only_and_validates(app, client, auth):
    auth.login("rus.kbh")
    assert client.get("/akut").status_code == 403
    assert "Akut henvendelse" not in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login("psyk.kbh")
    bad = client.post("/akut", data=_acute_form(cpr="12", admission_reason=""))
    assert bad.status_code == 400
    body = bad.get_data(as_text=True)
    assert "CPR-nummeret skal være 10 cifre" in body and "Vælg en årsag." in body
    other = client.post("/akut", data=_acute_form(region="nordjylland", municipality="aalborg"))
    assert other.status_code == 400 and "din region" in other.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Pathway)) is None


def test_notices_show_on_the_worklist_and_can_be_marked_read(app, client, auth):
    with app.app_context():
        pathway = setup.to_opstart(contacts=BOTH)
        service.deliver_message(db.session, "indlagt", pathway.patient_id,
                                {"admission_reason": "abstinenser"}, "psyk.kbh")
        db.session.commit()
    auth.login("rus.kbh")
    worklist = client.get("/").get_data(as_text=True)
    section = worklist.split('id="worklist-notices"')[1].split("</section>")[0]
    assert "1 ulæst" in section and "Indlæggelse" in section and "Bent Testesen" in section
    notice_id = int(section.split('data-notice="')[1].split('"')[0])
    assert client.post(f"/meddelelser/{notice_id}/laest", data={"read": "1"}).status_code == 302
    worklist = client.get("/").get_data(as_text=True)
    assert "Ingen ulæste meddelelser." in worklist
    inbox = client.get("/meddelelser/").get_data(as_text=True)
    assert "Markér som ulæst" in inbox and "Bent Testesen" in inbox
    client.post(f"/meddelelser/{notice_id}/laest", data={"read": "0"})
    assert "1 ulæst" in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login("rus.frb")                        # another municipality sees nothing of it
    assert "Bent Testesen" not in client.get("/meddelelser/").get_data(as_text=True)
    assert client.post(f"/meddelelser/{notice_id}/laest", data={"read": "1"}).status_code == 404
