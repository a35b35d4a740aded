"""The referral form starts the pathway and shows group and admission."""
from datetime import date

import pytest
from sqlalchemy import func, select

from engine import clock
from engine.models import AuditEntry, Pathway, Patient
from tests.web.pathway_setup import ensure_deployed
from webui.extensions import db

FORM = {"cpr": "020202-4234", "name": "Rita Henvist", "region": "hovedstaden",
        "municipality": "koebenhavn", "contacts": ["psykiatri", "kommune"],
        "referrer": "Egen læge", "received_at": clock.today().isoformat()}


@pytest.fixture(autouse=True)
def deployed(app):
    """The pathway definition is deployed (the app's deploy hook normally does it)."""
    with app.app_context():
        ensure_deployed()


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_form_renders_in_danish(client, auth):
    auth.login("psyk.kbh")
    body = client.get("/henvisning").get_data(as_text=True)
    assert "Ny henvisning" in body and "CPR-nummer" in body and 'name="contacts"' in body


def test_referral_starts_pathway_and_shows_result(app, client, auth):
    auth.login("psyk.kbh")
    response = client.post("/henvisning", data=FORM)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"  # the one answer to every referral
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Henvisningen af" in page and "er modtaget" in page
    with app.app_context():
        patient = db.session.scalar(select(Patient))
        pathway_id = db.session.scalar(select(Pathway.id))
    result = client.get(f"/patienter/{patient.id}?henvist={pathway_id}").get_data(as_text=True)
    assert "Patientgruppe 2" in result and "Patienten optages nu" in result
    plain = client.get(f"/patienter/{patient.id}").get_data(as_text=True)
    assert 'id="referral-result"' in plain  # shown until visitation, without the parameter
    with app.app_context():
        patient = db.session.scalar(select(Patient))
        assert (patient.cpr, patient.sex, patient.birth_date) == ("0202024234", "K", date(2002, 2, 2))
        pathway = db.session.scalar(select(Pathway))
        assert pathway.region_org == "region-hovedstaden"
        assert pathway.municipality_org == "kommune-koebenhavn"
        assert pathway.group_no == 2 and pathway.status == "active"


def test_invalid_referral_shows_errors_and_keeps_input(app, client, auth):
    auth.login("psyk.kbh")
    bad = {**FORM, "cpr": "123", "municipality": "odense", "contacts": []}
    response = client.post("/henvisning", data=bad)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "CPR-nummeret skal være 10 cifre" in body
    assert "Kommunen ligger ikke i den valgte region" in body
    assert 'value="Rita Henvist"' in body
    with app.app_context():
        assert _count(Patient) == 0


def test_future_date_is_refused(client, auth):
    auth.login("psyk.kbh")
    response = client.post("/henvisning", data={**FORM, "received_at": "2999-01-01"})
    assert response.status_code == 400
    assert "fremtiden" in response.get_data(as_text=True)


def test_referrer_must_belong_to_the_patients_region_or_municipality(app, client, auth):
    auth.login("psyk.kbh")
    response = client.post("/henvisning", data={**FORM, "region": "syddanmark",
                                                "municipality": "odense"})
    assert response.status_code == 400
    assert "din region eller kommune" in response.get_data(as_text=True)
    with app.app_context():
        assert _count(Patient) == 0


def test_municipal_clinician_refers_a_group_3_patient(app, client, auth):
    auth.login("rus.kbh")
    response = client.post("/henvisning", data={**FORM, "contacts": ["kommune"]})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Pathway.group_no)) == 3


def test_second_active_pathway_is_refused(app, client, auth):
    auth.login("psyk.kbh")
    assert client.post("/henvisning", data=FORM).status_code == 302
    again = client.post("/henvisning", data=FORM)
    assert again.status_code == 409
    assert "allerede et aktivt forløb" in again.get_data(as_text=True)
    with app.app_context():
        assert _count(Pathway) == 1


def test_referral_is_audited(app, client, auth):
    auth.login("psyk.kbh")
    client.post("/henvisning", data=FORM)
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "refer"))
        assert entry.actor == "psyk.kbh" and entry.patient_id and entry.source == "127.0.0.1"
