"""Staff find patients by CPR or name, only among the pathways their organisation is in."""
import pytest
from sqlalchemy import select

from engine.models import AuditEntry
from tests.web import pathway_setup as setup
from webui.extensions import db


@pytest.fixture
def patients(app):
    with app.app_context():
        # Both in psychiatry and municipal treatment: the home municipality takes part at once.
        both = ("psykiatri", "kommune")
        kbh = setup.refer(cpr="0101901235", name="Bent Testesen", municipality="koebenhavn",
                          contacts=both)
        frb = setup.refer(cpr="0202802246", name="Else Frbsen", municipality="frederiksberg",
                          contacts=both)
        return kbh.patient_id, frb.patient_id


def rows(page):
    return page.count('<tr>') - 1 if 'id="patients"' in page else 0


def test_region_sees_both_and_finds_by_name_or_cpr(auth, client, patients):
    auth.login("psyk.kbh")
    page = client.get("/patienter").get_data(as_text=True)
    assert "Bent Testesen" in page and "Else Frbsen" in page and rows(page) == 2
    assert "010190-1235" in page
    by_name = client.get("/patienter?q=testes").get_data(as_text=True)
    assert "Bent Testesen" in by_name and "Else Frbsen" not in by_name
    by_cpr = client.get("/patienter?q=020280-2246").get_data(as_text=True)
    assert "Else Frbsen" in by_cpr and "Bent Testesen" not in by_cpr


def test_other_municipality_sees_nothing_of_the_patient(auth, client, patients):
    auth.login("rus.frb")
    page = client.get("/patienter?q=0101901235").get_data(as_text=True)
    assert "Bent Testesen" not in page and "Ingen patienter fundet" in page
    assert "Else Frbsen" in client.get("/patienter").get_data(as_text=True)


def test_every_patient_shown_is_audited(auth, client, app, patients):
    kbh, frb = patients
    auth.login("rus.kbh")
    client.get("/patienter")
    with app.app_context():
        seen = db.session.scalars(select(AuditEntry.patient_id).where(
            AuditEntry.action == "search_patients", AuditEntry.actor == "rus.kbh")).all()
    assert seen == [kbh]


@pytest.mark.parametrize("query", ["%", "_", "a" * 5000, "'; drop table patient; --", "\u00b2" * 10])
def test_odd_queries_are_harmless(auth, client, patients, query):
    auth.login("psyk.kbh")
    response = client.get("/patienter", query_string={"q": query, "page": "x"})
    assert response.status_code == 200
    assert "Ingen patienter fundet" in response.get_data(as_text=True)


@pytest.mark.parametrize("username", ["admin", "leder", "ejer"])
def test_non_clinical_roles_cannot_search(auth, client, username):
    auth.login(username)
    assert client.get("/patienter").status_code == 403
