"""Admission from referral, visitation or the wait for phase-in (patient page, /akut, API), the
return there after discharge, and acute starts that get a tovholder, an enrolment and the chosen
return phase."""
import json
from datetime import UTC, datetime

from sqlalchemy import select

from engine import service
from engine.models import AwaitedMessage, Notice, Pathway
from tests.web import pathway_setup as setup
from webui.api.tokens import create_client
from webui.dashboards import quality
from webui.dashboards.filters import Filters
from webui.extensions import db

INPATIENT = ("indlagt_henvendelse", "selvmordsrisiko", "indlagt_diagnostik", "medicingennemgang")


def _pathway(app, pathway_id):
    with app.app_context():
        return db.session.get(Pathway, pathway_id)


def _forms(pathway_id):
    return {i.form_id for i in setup.open_items(pathway_id) if i.kind == "task"}


def _inpatient_then_discharge(pathway_id, to_stage="stabil"):
    for form_id in INPATIENT:
        setup.complete(pathway_id, form_id)
    return setup.complete(pathway_id, "indlagt_udskrivelse",
                          {"return_stage": to_stage, "discharge_checklist": ["epikrise"]})


def _awaits_admission(pathway_id):
    return db.session.scalar(select(AwaitedMessage.pathway_id).where(
        AwaitedMessage.pathway_id == pathway_id, AwaitedMessage.name == "indlagt")) is not None


def test_referred_patient_is_admitted_from_the_patient_page_and_returns_to_visitation(
        app, client, auth):
    with app.app_context():
        pathway = setup.refer(contacts=("psykiatri", "kommune"))
        pathway_id, patient_id = pathway.id, pathway.patient_id
    auth.login("psyk.kbh")
    page = client.get(f"/patienter/{patient_id}").get_data(as_text=True)
    assert 'id="admit"' in page and "Henvisningen sættes i bero" in page
    assert 'aria-required="true"' in page and 'class="required"' in page  # the required mark
    response = client.post(f"/forloeb/{pathway_id}/indlaeggelse",
                           data={"admission_reason": "abstinenser"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Pathway, pathway_id).stage == "indlagt"
        [notice] = db.session.scalars(select(Notice).where(
            Notice.org_code == "kommune-koebenhavn")).all()
        assert notice.data["admitted_from"] == "henvisning"
        for form_id in INPATIENT:
            setup.complete(pathway_id, form_id)
        discharge_task = setup.item_for(pathway_id, "indlagt_udskrivelse").task_id
    # the discharge form tells that the pathway goes back to the referral
    page = client.get(f"/forloeb/{pathway_id}/opgaver/{discharge_task}").get_data(as_text=True)
    assert "indlagt fra henvisningen" in page
    with app.app_context():
        moved = setup.complete(pathway_id, "indlagt_udskrivelse", {"return_stage": "stabil"})
        assert moved.stage == "henvisning" and _forms(pathway_id) == {"visitation"}
        assert _awaits_admission(pathway_id)       # may be admitted again
        # the admission was the first treatment contact, within the deadline: met
        moved = db.session.get(Pathway, pathway_id)
        assert moved.treatment_started_at is not None and moved.guarantee_status == "met"
        setup.complete(pathway_id, "visitation", {"visitation_decision": "inkluderet"})
        moved = setup.complete(pathway_id, "indskrivning", setup.ENROL)
        assert moved.stage == "opstart" and moved.tovholder == "tovholder.kbh"
        assert moved.guarantee_status == "met"


def test_admission_in_enrolment_keeps_the_visitation_and_returns_to_enrolment(app):
    with app.app_context():
        pathway = setup.refer(contacts=("psykiatri",))
        setup.complete(pathway.id, "visitation", {"visitation_decision": "inkluderet"})
        service.deliver_message(db.session, "indlagt", pathway.patient_id,
                                {"admission_reason": "psykisk_forvaerring"}, "psyk.kbh")
        db.session.commit()
        moved = _inpatient_then_discharge(pathway.id)
        assert moved.stage == "henvisning" and _forms(pathway.id) == {"indskrivning"}


def test_waiting_patient_is_admitted_through_the_api_and_waits_again(app, client, demo_users):
    march = datetime(2026, 3, 2, 9, tzinfo=UTC)   # group 3 opens on 1 July 2026
    with app.app_context():
        pathway = setup.refer(cpr="0404904321", contacts=("kommune",), now=march,
                              received=march.date())
        setup.complete(pathway.id, "visitation", {"visitation_decision": "inkluderet",
                                                  "presumed_severe_mental_illness": "ja"},
                       now=march)
        assert db.session.get(Pathway, pathway.id).waiting_until.isoformat() == "2026-07-01"
        _client, token = create_client("sundhedsplatformen", "region-hovedstaden")
        db.session.commit()
        pathway_id = pathway.id
    response = client.post("/api/v1/events", content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"},
                           data=json.dumps({"event_id": "w-1", "type": "admission",
                                            "cpr": "0404904321", "reason": "afrusning"}))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["stage"] == "indlagt"
    with app.app_context():
        service.deliver_message(db.session, "udskrevet", _pathway(app, pathway_id).patient_id,
                                {"return_stage": "ustabil"}, "api:test",
                                now=datetime(2026, 3, 20, 9, tzinfo=UTC))
        db.session.commit()
        back = db.session.get(Pathway, pathway_id)
        # still before the group's opening: back to waiting, admissible again, no tasks
        assert back.stage == "henvisning" and back.waiting_until.isoformat() == "2026-07-01"
        assert _forms(pathway_id) == set() and _awaits_admission(pathway_id)


def test_acute_form_admits_a_patient_who_already_has_a_pathway(app, client, auth):
    with app.app_context():
        pathway = setup.refer(cpr="0505905678", contacts=("kommune",))
        pathway_id = pathway.id
    auth.login("psyk.kbh")
    form = {"cpr": "0505905678", "name": "Akut Andersen", "region": "hovedstaden",
            "municipality": "koebenhavn", "contacts": ["kommune"], "referrer": "Akutmodtagelsen",
            "received_at": "2026-01-05", "admission_reason": "selvmordsrisiko"}
    response = client.post("/akut", data=form)
    assert response.status_code == 302
    assert _pathway(app, pathway_id).stage == "indlagt"
    again = client.post("/akut", data=form)           # already admitted: a clear refusal
    body = again.get_data(as_text=True)
    assert again.status_code == 409 and "er indlagt eller kan ikke indlægges" in body
    assert "<title>Fejl:" in body and 'id="error-summary"' in body


def test_acute_start_gets_a_tovholder_an_enrolment_and_its_chosen_return_phase(app, client, auth):
    with app.app_context():
        setup.ensure_deployed()
    auth.login("psyk.kbh")
    form = {"cpr": "0606906789", "name": "Akut Berg", "region": "hovedstaden",
            "municipality": "koebenhavn", "contacts": ["psykiatri"], "referrer": "Akutmodtagelsen",
            "received_at": "2026-01-05", "admission_reason": "psykisk_forvaerring"}
    assert client.post("/akut", data=form).status_code == 302
    with app.app_context():
        pathway = db.session.scalar(select(Pathway))
        for form_id in INPATIENT:
            setup.complete(pathway.id, form_id)
        assert "indskrivning" in _forms(pathway.id)       # the tovholder task
        enrolled = setup.complete(pathway.id, "indskrivning", setup.ENROL)
        assert enrolled.tovholder == "tovholder.kbh"
        moved = setup.complete(pathway.id, "indlagt_udskrivelse", {"return_stage": "stabil"})
        assert moved.stage == "stabil" and moved.tovholder == "tovholder.kbh"
        figures = quality.compute(Filters(), datetime.now(UTC).date())
        assert (figures["tovholder"].num, figures["tovholder"].den) == (1, 1)  # enrolled: counted


def test_acute_start_discharged_before_enrolment_is_enrolled_then_goes_to_its_return_phase(app):
    with app.app_context():
        setup.ensure_deployed()
        patient = service.register_patient(db.session, "0707907890", "Akut Dal", "M",
                                           "1990-07-07", "hovedstaden", "koebenhavn")
        data = {"patient_id": patient.id, "region": "hovedstaden", "municipality": "koebenhavn",
                "region_org": "region-hovedstaden", "municipality_org": "kommune-koebenhavn",
                "contacts": ["psykiatri", "akut"], "referrer": "Akutmodtagelsen",
                "received_at": "2026-01-05", "sex": "M", "admission_reason": "afrusning"}
        pathway = service.start_pathway(db.session, patient.id, data, "psyk.kbh")
        service.deliver_message(db.session, "udskrevet", patient.id, {"return_stage": "ustabil"},
                                "api:test")
        db.session.commit()
        assert db.session.get(Pathway, pathway.id).stage == "henvisning"
        assert _forms(pathway.id) == {"indskrivning"}
        moved = setup.complete(pathway.id, "indskrivning", setup.ENROL)
        assert moved.stage == "ustabil" and moved.tovholder == "tovholder.kbh"
