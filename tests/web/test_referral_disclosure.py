"""A referral tells nobody whether a CPR number is in a pathway elsewhere (docs/ui.md)."""

import pytest
from sqlalchemy import select

from engine import clock
from engine.models import AuditEntry, Notice, Pathway, Patient
from tests.web import pathway_setup as setup
from webui.demo.seed import DEMO_PASSWORD
from webui.extensions import db
from webui.models import User

ELSEWHERE = "0202902468"   # a Nordjylland patient
NEW = "0303903571"
FORM = {"name": "Navn Indtastet", "region": "hovedstaden", "municipality": "koebenhavn",
        "contacts": ["psykiatri", "kommune"], "referrer": "Egen læge",
        "received_at": clock.today().isoformat()}


@pytest.fixture(autouse=True)
def deployed(app):
    with app.app_context():
        setup.ensure_deployed()


def _nordjylland_patient(app, end=False):
    with app.app_context():
        pathway = setup.refer(cpr=ELSEWHERE, name="Gemt Hemmeligt Navn", region="nordjylland",
                              municipality="aalborg", actor="psyk.aal")
        if end:
            pathway.status = "ended"
        db.session.commit()
        return pathway.id


def _answer(client, cpr, url="/henvisning", form=FORM):
    """What the referrer sees: status, where it leads, and the page it leads to."""
    response = client.post(url, data=dict(form, cpr=cpr))
    page = client.get(response.headers["Location"]).get_data(as_text=True) \
        if response.status_code == 302 else response.get_data(as_text=True)
    return response.status_code, response.headers.get("Location"), page


@pytest.mark.parametrize("ended", [False, True])
def test_a_cpr_active_or_ended_elsewhere_answers_like_a_new_one(app, client, auth, ended):
    owner_pathway = _nordjylland_patient(app, end=ended)
    auth.login("psyk.kbh")
    elsewhere = _answer(client, ELSEWHERE)
    new = _answer(client, NEW)
    assert elsewhere[:2] == new[:2] == (302, "/")
    strip = lambda page, cpr: page.replace(cpr, "")  # noqa: E731
    assert "Henvisningen af Navn Indtastet er modtaget" in elsewhere[2]
    assert "Gemt Hemmeligt Navn" not in elsewhere[2] and "aktivt forløb" not in elsewhere[2]
    flash = [line for line in strip(elsewhere[2], ELSEWHERE).splitlines() if "modtaget" in line]
    assert flash == [line for line in strip(new[2], NEW).splitlines() if "modtaget" in line]
    with app.app_context():
        # nothing started on the stored record: the owning region reconciles it
        assert len(db.session.scalars(select(Pathway).join(Patient).where(
            Patient.cpr == ELSEWHERE)).all()) == 1
        queued = db.session.scalar(select(Notice).where(Notice.kind == "reconcile_referral"))
        assert queued.org_code == "region-nordjylland" and queued.pathway_id == owner_pathway
        assert queued.data["name"] == "Navn Indtastet" and queued.data["referrer_org"] == "region-hovedstaden"
        lookups = db.session.scalars(select(AuditEntry).where(
            AuditEntry.actor == "psyk.kbh", AuditEntry.action == "refer_lookup")).all()
        assert len(lookups) == 2  # every lookup is audited, the known one with its patient
        assert any(a.patient_id is not None for a in lookups)
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "referral.reconcile"))


def test_the_owning_region_sees_the_referral_to_reconcile(app, client, auth):
    _nordjylland_patient(app)
    auth.login("psyk.kbh")
    client.post("/henvisning", data=dict(FORM, cpr=ELSEWHERE))
    auth.logout()
    with app.app_context():
        user = User(username="psyk.aal", full_name="Aalborg", organisation_code="region-nordjylland",
                    roles_csv="regional_clinician")
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        db.session.commit()
    auth.login("psyk.aal")
    inbox = client.get("/meddelelser/").get_data(as_text=True)
    assert "Henvisning til afstemning" in inbox and "Navn Indtastet" in inbox


def test_a_visible_duplicate_is_refused_and_audited(app, client, auth):
    auth.login("psyk.kbh")
    assert client.post("/henvisning", data=dict(FORM, cpr=NEW)).status_code == 302
    again = client.post("/henvisning", data=dict(FORM, cpr=NEW))
    assert again.status_code == 409 and "aktivt forløb" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "refer_refused"))


ACUTE = dict(FORM, contacts=["kommune"], referrer="Akutmodtagelsen", admission_reason="selvmordsrisiko")


def _acute_answer(client, cpr):
    """What the acute clinician sees for a CPR number: status, target and the page shown."""
    return _answer(client, cpr, "/akut", ACUTE)


@pytest.mark.parametrize("ended", [False, True])
def test_an_acute_presentation_elsewhere_answers_like_a_new_one(app, client, auth, ended):
    owner_pathway = _nordjylland_patient(app, end=ended)
    auth.login("psyk.kbh")
    elsewhere = _acute_answer(client, ELSEWHERE)
    new = _acute_answer(client, NEW)
    assert elsewhere[:2] == new[:2] == (302, "/")
    assert "Den akutte henvendelse for Navn Indtastet er registreret" in elsewhere[2]
    assert "Gemt Hemmeligt Navn" not in elsewhere[2] and "aktivt forløb" not in elsewhere[2]
    flash = [line for line in elsewhere[2].replace(ELSEWHERE, "").splitlines() if "registreret" in line]
    assert flash == [line for line in new[2].replace(NEW, "").splitlines() if "registreret" in line]
    with app.app_context():
        assert len(db.session.scalars(select(Pathway).join(Patient).where(
            Patient.cpr == ELSEWHERE)).all()) == 1
        queued = db.session.scalar(select(Notice).where(Notice.kind == "reconcile_referral"))
        assert queued.org_code == "region-nordjylland" and queued.pathway_id == owner_pathway
        assert queued.data["acute"] is True and queued.data["admission_reason"] == "selvmordsrisiko"
        assert queued.data["name"] == "Navn Indtastet"
        lookups = db.session.scalars(select(AuditEntry).where(
            AuditEntry.actor == "psyk.kbh", AuditEntry.action == "acute_lookup")).all()
        assert len(lookups) == 2 and any(a.patient_id is not None for a in lookups)
        # the new one started in the inpatient stage, in the clinician's own region
        started = db.session.scalar(select(Pathway).join(Patient).where(Patient.cpr == NEW))
        assert (started.stage, started.region_org) == ("indlagt", "region-hovedstaden")


def test_the_owning_region_sees_an_acute_presentation_to_reconcile(app, client, auth):
    _nordjylland_patient(app)
    auth.login("psyk.kbh")
    client.post("/akut", data=dict(ACUTE, cpr=ELSEWHERE))
    auth.logout()
    with app.app_context():
        user = User(username="psyk.aal", full_name="Aalborg", organisation_code="region-nordjylland",
                    roles_csv="regional_clinician")
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        db.session.commit()
    auth.login("psyk.aal")
    inbox = client.get("/meddelelser/").get_data(as_text=True)
    assert "Henvisning til afstemning" in inbox and "Navn Indtastet" in inbox
    assert "Akut henvendelse: Selvmordsrisiko." in inbox
