"""The 14-day guarantee is met by the first treatment contact, not by enrolment; a breach keeps its reason."""
from datetime import UTC, date, datetime, timedelta

from engine import service
from engine.models import Pathway
from tests.web import pathway_setup as setup
from webui.extensions import db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)   # received 2 March → due 16 March


def _enrolled(app, at=T0, cpr="0101901235"):
    with app.app_context():
        pathway = setup.refer(cpr=cpr, received=date(2026, 3, 2), now=at)
        setup.complete(pathway.id, "visitation", {"visitation_decision": "inkluderet"}, now=at)
        setup.complete(pathway.id, "indskrivning", setup.ENROL, now=at)
        return pathway.id, pathway.patient_id


def _row(app, pathway_id):
    with app.app_context():
        return db.session.get(Pathway, pathway_id)


def test_enrolment_does_not_meet_the_guarantee_the_first_treatment_contact_does(app):
    pathway_id, _ = _enrolled(app)
    row = _row(app, pathway_id)
    assert row.stage == "opstart" and row.treatment_started_at is None
    assert row.guarantee_due == date(2026, 3, 16) and not row.guarantee_breached
    with app.app_context():
        setup.complete(pathway_id, "dudit", now=T0 + timedelta(days=5))
        setup.complete(pathway_id, "audit", now=T0 + timedelta(days=20))   # later ones do not move it
    row = _row(app, pathway_id)
    assert row.treatment_started_at.replace(tzinfo=UTC) == T0 + timedelta(days=5)
    assert not row.guarantee_breached and row.guarantee_breach_reason is None


def test_no_treatment_by_the_deadline_is_a_breach_with_its_reason_kept(app, client, auth):
    pathway_id, patient_id = _enrolled(app)
    with app.app_context():
        assert service.tick(db.session, now=datetime(2026, 3, 17, 6, 0, tzinfo=UTC)) >= 1
        db.session.commit()
    row = _row(app, pathway_id)
    assert row.guarantee_breached and "ikke startet" in row.guarantee_breach_reason
    with app.app_context():   # treatment starting late afterwards keeps the first reason
        setup.complete(pathway_id, "audit", now=datetime(2026, 3, 18, 9, tzinfo=UTC))
    row = _row(app, pathway_id)
    assert row.guarantee_breached and "ikke startet" in row.guarantee_breach_reason
    auth.login("psyk.kbh")
    body = client.get(f"/patienter/{patient_id}").get_data(as_text=True)
    guarantee = body.split('id="guarantee"')[1].split("</dd>")[0]
    assert "Overskredet" in guarantee and "Behandlingen var ikke startet, da fristen udløb" in guarantee


def test_treatment_starting_after_the_deadline_names_both_days(app):
    pathway_id, _ = _enrolled(app)
    with app.app_context():
        setup.complete(pathway_id, "audit", now=datetime(2026, 3, 16, 22, 30, tzinfo=UTC))
    row = _row(app, pathway_id)   # 23:30 on the 16th in Denmark: still in time
    assert not row.guarantee_breached
    pathway_id, _ = _enrolled(app, cpr="0202902468")
    with app.app_context():
        setup.complete(pathway_id, "audit", now=datetime(2026, 3, 16, 23, 30, tzinfo=UTC))
    row = _row(app, pathway_id)   # 00:30 on the 17th: one day late
    assert row.guarantee_breached
    assert row.guarantee_breach_reason == "Behandlingen startede 2026-03-17, efter fristen 2026-03-16"


def test_days_left_on_patient_page_and_worklist_until_treatment_starts(app, client, auth):
    with app.app_context():
        pathway = setup.to_opstart()          # received today: 14 days left
        pathway_id, patient_id = pathway.id, pathway.patient_id
    auth.login("psyk.kbh")
    body = client.get(f"/patienter/{patient_id}").get_data(as_text=True)
    assert "14 dage tilbage" in body.split('id="guarantee"')[1].split("</dd>")[0]
    worklist = client.get("/").get_data(as_text=True)
    assert "garanti: 14 dage tilbage" in worklist
    with app.app_context():
        setup.complete(pathway_id, "audit")
    body = client.get(f"/patienter/{patient_id}").get_data(as_text=True)
    guarantee = body.split('id="guarantee"')[1].split("</dd>")[0]
    assert "Overholdt" in guarantee and "Behandlingen startede" in guarantee
    assert "garanti:" not in client.get("/").get_data(as_text=True)
