"""The overview consultation on request, the yearly one from the timer, and the schedule it sets."""
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from engine import clock, service
from engine.audit import AuditEntry
from engine.models import Pathway
from tests.web import aging
from tests.web import pathway_setup as setup
from webui.extensions import db

HIGH = {"phase_decision": "ustabil", "complexity_tier": "hoej", "complexity_reason": "Hjemløs"}


def _ustabil(app, tier=HIGH):
    with app.app_context():
        pathway = setup.to_opstart()
        for form_id in aging.OPSTART_TOOLS:
            setup.complete(pathway.id, form_id)
        setup.complete(pathway.id, "opstart_vurdering", tier, actor="tovholder.kbh")
        return pathway.id, pathway.patient_id


def _overview_items(pathway_id):
    return [i for i in setup.open_items(pathway_id) if i.form_id == "overblik"]


def test_a_clinician_asks_and_the_tovholder_gets_the_consultation(app, client, auth):
    pathway_id, patient_id = _ustabil(app)
    auth.login("psyk.kbh")
    page = client.get(f"/patienter/{patient_id}").get_data(as_text=True)
    assert 'id="overview-request"' in page and 'id="overview-due"' in page
    # bad input: no reason, or an absurdly long one; nothing is asked
    for reason in ("", "x" * 501):
        response = client.post(f"/forloeb/{pathway_id}/overblik", data={"overview_reason": reason},
                               follow_redirects=True)
        assert "Skriv hvorfor" in response.get_data(as_text=True)
    with app.app_context():
        assert _overview_items(pathway_id) == []
    response = client.post(f"/forloeb/{pathway_id}/overblik",
                           data={"overview_reason": "Mistet sin bolig"}, follow_redirects=True)
    assert "tovholderens opgaveliste" in response.get_data(as_text=True)
    with app.app_context():
        [item] = _overview_items(pathway_id)
        assert (item.role, item.title) == ("tovholder", "Overblikskonsultation")
        assert db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "overview.request", AuditEntry.pathway_id == pathway_id)).actor == "psyk.kbh"
    # asking again while one is open: a clear message, still one task
    again = client.post(f"/forloeb/{pathway_id}/overblik", data={"overview_reason": "Igen"},
                        follow_redirects=True)
    assert "allerede en overblikskonsultation" in again.get_data(as_text=True)
    with app.app_context():
        assert len(_overview_items(pathway_id)) == 1
        # the tovholder lowers the tier: the pathway and its questionnaire interval follow
        setup.complete(pathway_id, "overblik", {"complexity_tier": "lav", "complexity_reason": "Bolig igen"},
                       actor="tovholder.kbh")
        row = db.session.get(Pathway, pathway_id)
        assert (row.complexity_tier, row.questionnaire_weeks) == ("lav", 12)
        assert row.overview_due == clock.today() + timedelta(weeks=52)
    card = client.get(f"/patienter/{patient_id}").get_data(as_text=True).split('id="complexity"')[1]
    assert 'data-tier="lav"' in card and 'data-offer="basis"' in card


def test_only_clinical_staff_may_ask(app, client, auth):
    pathway_id, _patient_id = _ustabil(app)
    auth.login("leder")
    assert client.post(f"/forloeb/{pathway_id}/overblik",
                       data={"overview_reason": "x"}).status_code in (403, 404)
    auth.logout()
    auth.login("rus.frb")  # another municipality: the pathway is not visible at all
    assert client.post(f"/forloeb/{pathway_id}/overblik",
                       data={"overview_reason": "x"}).status_code == 404
    with app.app_context():
        assert _overview_items(pathway_id) == []


def test_the_yearly_timer_opens_the_consultation_and_a_high_tier_its_conferences(app):
    pathway_id, _patient_id = _ustabil(app)
    with app.app_context():
        row = db.session.get(Pathway, pathway_id)
        assert row.questionnaire_weeks == 4
        due = row.overview_due
        start = datetime.combine(due, datetime.min.time(), tzinfo=UTC) - timedelta(weeks=52)
        # four weeks on: the conference a high tier asks for
        service.tick(db.session, now=start + timedelta(weeks=4, days=1))
        db.session.commit()
        titles = {i.title for i in setup.open_items(pathway_id)}
        assert "Tværfaglig konference" in titles and "Overblikskonsultation" not in titles
        # a year on: the yearly overview consultation
        service.tick(db.session, now=datetime.combine(due, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12))
        db.session.commit()
        assert len(_overview_items(pathway_id)) == 1
