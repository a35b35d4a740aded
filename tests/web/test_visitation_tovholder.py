"""Referral reason and no-contact referrals, visitation with the whole referral, group 3, forwarding,
no municipal tasks for group 1, the tovholder chosen from real users, and the caseload."""
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from engine import clock
from engine.models import Pathway, PathwayParticipant, WorklistItem
from tests.web import aging
from tests.web import pathway_setup as setup
from tests.web.aging import form_post
from webui.common.templating import fmt_date
from webui.extensions import db
from webui.models import User
from webui.worklist.query import Filters, worklist_page

REFERRAL = {"cpr": "020202-4234", "name": "Rita Henvist", "region": "hovedstaden",
            "municipality": "koebenhavn", "referrer": "Egen læge",
            "received_at": clock.today().isoformat(),
            "referral_reason": "Tiltagende angst og dagligt hashforbrug"}


def _task_url(app, pathway_id, form_id):
    with app.app_context():
        return f"/forloeb/{pathway_id}/opgaver/{setup.item_for(pathway_id, form_id).task_id}"


def _lock(app, pathway_id):
    with app.app_context():
        return db.session.get(Pathway, pathway_id).lock_version


def test_referral_without_contact_is_group_1_and_visitation_shows_the_whole_referral(app, client, auth):
    with app.app_context():
        setup.ensure_deployed()
    auth.login("psyk.kbh")
    response = client.post("/henvisning", data=REFERRAL)
    assert response.status_code == 302
    with app.app_context():
        pathway = db.session.scalar(select(Pathway))
        assert pathway.group_no == 1
        pathway_id = pathway.id
    page = client.get(_task_url(app, pathway_id, "visitation")).get_data(as_text=True)
    summary = page.split('id="referral-summary"')[1].split("</section>")[0]
    assert "Tiltagende angst og dagligt hashforbrug" in summary and "Egen læge" in summary
    assert "Ingen nuværende kontakt" in summary
    assert 'name="presumed_severe_mental_illness"' not in page      # only for group 3


def test_group_3_needs_a_presumed_moderate_to_severe_mental_illness(app, client, auth):
    with app.app_context():
        pathway = setup.refer(contacts=("kommune",), actor="rus.kbh")
        pathway_id = pathway.id
    auth.login("psyk.kbh")
    url = _task_url(app, pathway_id, "visitation")
    assert 'name="presumed_severe_mental_illness"' in client.get(url).get_data(as_text=True)
    data = form_post("visitation", _lock(app, pathway_id), {"visitation_decision": "inkluderet"})
    data.pop("presumed_severe_mental_illness", None)
    refused = client.post(url, data=data)
    assert refused.status_code == 422
    assert "formodet moderat til svær psykisk lidelse" in refused.get_data(as_text=True)
    data["presumed_severe_mental_illness"] = "ja"
    assert client.post(url, data=data).status_code == 302
    with app.app_context():
        assert db.session.get(Pathway, pathway_id).stage == "henvisning"   # on to enrolment
        assert setup.item_for(pathway_id, "indskrivning")


def test_rejection_can_forward_with_a_reason(app, client, auth):
    with app.app_context():
        pathway_id = setup.refer().id
    auth.login("psyk.kbh")
    url = _task_url(app, pathway_id, "visitation")
    data = form_post("visitation", _lock(app, pathway_id), {"visitation_decision": "videresendt",
                                                            "forward_to": "", "forward_reason": ""})
    refused = client.post(url, data=data)
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "Angiv hvilket tilbud" in body and "Angiv en begrundelse for videresendelsen" in body
    data.update(forward_to="Distriktspsykiatrien", forward_reason="Ingen aktuel rusmiddelbrug")
    assert client.post(url, data=data).status_code == 302
    with app.app_context():
        pathway = db.session.get(Pathway, pathway_id)
        assert (pathway.status, pathway.end_reason) == ("ended", "Videresendt til Distriktspsykiatrien")


def test_group_1_without_the_municipality_gets_no_municipal_tasks(app):
    with app.app_context():
        pathway = setup.to_opstart(contacts=("psykiatri",))
        lanes = {i.lane for i in setup.open_items(pathway.id) if i.kind == "task"}
        orgs = set(db.session.scalars(select(PathwayParticipant.org_code).where(
            PathwayParticipant.pathway_id == pathway.id)))
    assert "kommune" not in lanes and lanes == {"psykiatri"}
    assert orgs == {"region-hovedstaden"}


def _at_enrolment(app, client, auth):
    with app.app_context():
        pathway = setup.refer()
        setup.complete(pathway.id, "visitation", {"visitation_decision": "inkluderet"})
        pathway_id = pathway.id
    auth.login("psyk.kbh")
    return pathway_id, _task_url(app, pathway_id, "indskrivning")


def test_tovholder_is_chosen_from_real_users_of_the_eligible_organisations(app, client, auth):
    pathway_id, url = _at_enrolment(app, client, auth)
    page = client.get(url).get_data(as_text=True)
    select_html = page.split('name="tovholder"')[1].split("</select>")[0]
    assert 'value="tovholder.kbh"' in select_html and "Tove Tovholder" in select_html
    assert 'value="rus.kbh"' not in select_html               # no tovholder role
    assert 'name="tovholder_org"' not in page                  # follows from the user
    base = form_post("indskrivning", _lock(app, pathway_id), {"tovholder": "tovholder.kbh"})
    base.pop("tovholder_org")
    unknown = client.post(url, data={**base, "tovholder": "nobody"})
    assert unknown.status_code == 422 and "Vælg en tovholder fra listen." in unknown.get_data(as_text=True)
    assert client.post(url, data=base).status_code == 302
    with app.app_context():
        pathway = db.session.get(Pathway, pathway_id)
        assert (pathway.tovholder, pathway.tovholder_org) == ("tovholder.kbh", "region-hovedstaden")


def test_forged_tovholder_org_is_refused_and_grants_nothing(app, client, auth):
    pathway_id, url = _at_enrolment(app, client, auth)
    data = form_post("indskrivning", _lock(app, pathway_id),
                     {"tovholder": "tovholder.kbh", "tovholder_org": "kommune-frederiksberg"})
    response = client.post(url, data=data)
    assert response.status_code == 422
    assert "kan ikke angives" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Pathway, pathway_id).stage == "henvisning"
        orgs = set(db.session.scalars(select(PathwayParticipant.org_code).where(
            PathwayParticipant.pathway_id == pathway_id)))
    assert "kommune-frederiksberg" not in orgs
    auth.logout()
    with app.app_context():
        patient_id = db.session.get(Pathway, pathway_id).patient_id
    auth.login("rus.frb")
    assert client.get(f"/patienter/{patient_id}").status_code == 404


def test_caseload_lists_my_patients_with_phase_deadline_and_reassessment(app, client, auth):
    with app.app_context():
        in_opstart = setup.to_opstart(cpr="0101901235", name="Olga Opstart")
        in_ustabil = aging.to_ustabil(cpr="0202902468", name="Ulla Ustabil")
        reassess = db.session.get(Pathway, in_ustabil.id).reassess_at
        assert in_opstart and reassess is not None
    auth.login("tovholder.kbh")
    assert "Mine patienter" in client.get("/").get_data(as_text=True)
    page = client.get("/mine-patienter").get_data(as_text=True)
    table = page.split('id="caseload"')[1]
    assert "Olga Opstart" in table and "Ulla Ustabil" in table
    row = table.split("Ulla Ustabil")[1].split("</tr>")[0]
    assert "Ustabil" in row
    with app.test_request_context():
        assert fmt_date(reassess) in row
    auth.logout()
    auth.login("psyk.kbh")
    assert "Olga Opstart" not in client.get("/mine-patienter").get_data(as_text=True)


def test_worklist_does_not_bury_tasks_without_a_deadline(app, demo_users):
    with app.app_context():
        aging.to_ustabil()
        user = db.session.scalar(select(User).filter_by(username="psyk.kbh"))
        rows = db.session.scalars(select(WorklistItem)).all()
        undated = next(r for r in rows if r.due_at is None and r.org_code == "region-hovedstaden"
                       and r.role == "regional_clinician")
        undated.created_at = datetime.now(UTC) - timedelta(days=400)
        db.session.commit()
        items, _total = worklist_page(db.session, user, Filters())
        assert items[0].id == undated.id


def test_further_participants_only_from_the_organisation_table(app, client, auth):
    pathway_id, url = _at_enrolment(app, client, auth)
    page = client.get(url).get_data(as_text=True)
    assert 'name="participating_orgs" value="kommune-frederiksberg"' in page
    assert 'value="region-nordjylland"' not in page
    data = form_post("indskrivning", _lock(app, pathway_id), {"tovholder": "tovholder.kbh"})
    data.pop("tovholder_org")
    refused = client.post(url, data={**data, "participating_orgs": ["region-nordjylland"]})
    assert refused.status_code == 422 and "Vælg kun organisationer fra listen." in \
        refused.get_data(as_text=True)
    assert client.post(url, data={**data, "participating_orgs": ["kommune-frederiksberg"]}) \
        .status_code == 302
    with app.app_context():
        orgs = set(db.session.scalars(select(PathwayParticipant.org_code).where(
            PathwayParticipant.pathway_id == pathway_id)))
        patient_id = db.session.get(Pathway, pathway_id).patient_id
    assert orgs == {"region-hovedstaden", "kommune-koebenhavn", "kommune-frederiksberg"}
    auth.logout()
    auth.login("rus.frb")
    assert client.get(f"/patienter/{patient_id}").status_code == 200
