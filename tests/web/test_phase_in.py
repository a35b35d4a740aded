"""Waiting for phase-in: shown at referral, on the patient page and as a worklist filter."""
from datetime import UTC, date, datetime

from tests.web import pathway_setup as setup
from webui.extensions import db
from webui.pathways.admission import phase_in

MAY = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def _waiting_group_3(app):
    """A municipal-only (group 3) referral from May 2026, included before the July phase-in."""
    with app.app_context():
        pathway = setup.refer(contacts=("kommune",), received=MAY.date(), now=MAY)
        setup.complete(pathway.id, "visitation", {"visitation_decision": "inkluderet"},
                       now=MAY.replace(day=2))
        return pathway.id, pathway.patient_id


def test_phase_in_decision_is_read_from_the_pathway(app, demo_users):
    with app.app_context():
        pathway = setup.refer(contacts=("kommune",), received=MAY.date(), now=MAY)
        assert phase_in(db.session, pathway, today=date(2026, 6, 1)) == {
            "date": date(2026, 7, 1), "open": False}
        assert phase_in(db.session, pathway, today=date(2026, 7, 1))["open"] is True


def test_referral_result_says_admitted_now_when_phased_in(app, client, auth):
    with app.app_context():
        pathway = setup.refer(contacts=("psykiatri",))
        url = f"/patienter/{pathway.patient_id}?henvist={pathway.id}"
    auth.login("psyk.kbh")
    result = client.get(url).get_data(as_text=True).split('id="referral-result"')[1]
    assert "Patientgruppe 1" in result and "Patienten optages nu" in result
    assert "Gruppen er indfaset i regionen fra 1. sep. 2024" in result


def test_waiting_patient_shows_until_when(app, client, auth):
    pathway_id, patient_id = _waiting_group_3(app)
    auth.login("psyk.kbh")
    body = client.get(f"/patienter/{patient_id}?henvist={pathway_id}").get_data(as_text=True)
    assert "Patienten venter på indfasning indtil 1. jul. 2026" in body
    assert "Venter på indfasning til 1. jul. 2026" in body


def test_wait_row_on_the_worklist_filter(app, client, auth):
    pathway_id, _ = _waiting_group_3(app)
    with app.app_context():
        waits = [i for i in setup.open_items(pathway_id) if i.kind == "wait"]
        assert waits, "the engine projects the phase-in wait"
        role, org = waits[0].role, waits[0].org_code
    user = {("tovholder", "region-hovedstaden"): "tovholder.kbh",
            ("regional_clinician", "region-hovedstaden"): "psyk.kbh",
            ("municipal_clinician", "kommune-koebenhavn"): "rus.kbh"}[(role, org)]
    auth.login(user)
    body = client.get("/?waiting=1").get_data(as_text=True)
    assert "Bent Testesen" in body and "kind-wait" in body
    assert "Tag opgaven" not in body                      # a wait cannot be claimed
