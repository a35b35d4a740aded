"""Results in view: the results card, a running score, DUDIT's sex from the patient, high suicide risk."""
from sqlalchemy import select

from engine.models import Pathway, TaskRecord
from tests.web import aging
from tests.web import pathway_setup as setup
from tests.web.aging import form_post
from webui.common.templating import fmt_date
from webui.common.timeutil import local_date, local_today
from webui.extensions import db

AUDIT_16 = {**{f"audit_{i}": "2" for i in range(1, 9)}, "audit_9": "0", "audit_10": "0"}
DUDIT_3 = {"dudit_1": "1", "dudit_2": "2", **{f"dudit_{i}": "0" for i in range(3, 12)}}


def _opstart(app, **kwargs):
    with app.app_context():
        pathway = setup.to_opstart(**kwargs)
        return pathway.id, pathway.patient_id


def test_results_card_shows_latest_scores_zones_risk_and_reassessment(app, client, auth):
    with app.app_context():
        pathway = aging.to_ustabil()
        pathway_id, patient_id = pathway.id, pathway.patient_id
        reassess = db.session.get(Pathway, pathway_id).reassess_at
    auth.login("psyk.kbh")
    body = client.get(f"/patienter/{patient_id}").get_data(as_text=True)
    card = body.split('id="results"')[1].split("</section>")[0]
    assert "AUDIT" in card and "DUDIT" in card and "Zone" in card
    assert "Ingen aktuel risiko" in card                  # the demo answers' first level
    with app.test_request_context():
        assert fmt_date(reassess) in card.split('id="result-reassess"')[1]


def test_results_card_uses_the_newest_record(app, client, auth):
    pathway_id, patient_id = _opstart(app)
    with app.app_context():
        setup.complete(pathway_id, "audit", AUDIT_16)
    auth.login("psyk.kbh")
    card = client.get(f"/patienter/{patient_id}").get_data(as_text=True).split('id="results"')[1]
    audit = card.split('id="result-audit"')[1].split("</dd>")[0]
    assert "<strong>16</strong>" in audit and "Zone III" in audit
    assert "Ikke udfyldt" in card.split('id="result-dudit"')[1].split("</dd>")[0]


def test_running_score_is_offered_and_the_server_stays_authoritative(app, client, auth):
    pathway_id, patient_id = _opstart(app)
    with app.app_context():
        item = setup.item_for(pathway_id, "audit")
        url = f"/forloeb/{pathway_id}/opgaver/{item.task_id}"
        lock = db.session.get(Pathway, pathway_id).lock_version
    auth.login("psyk.kbh")
    page = client.get(url).get_data(as_text=True)
    assert 'id="running-score"' in page and "running_score.js" in page
    assert "audit_10" in page.split('id="running-score"')[1].split(">")[0]
    data = form_post("audit", lock, AUDIT_16)
    data["audit_score"] = "0"                    # a browser's own score is ignored
    assert client.post(url, data=data).status_code == 302
    card = client.get(f"/patienter/{patient_id}").get_data(as_text=True).split('id="result-audit"')[1]
    assert "<strong>16</strong>" in card.split("</dd>")[0]
    assert client.get("/static/running_score.js").status_code == 200


def test_dudit_takes_the_patients_sex_from_the_patient(app, client, auth):
    # CPR ending in an even digit: a woman, whose DUDIT cut-off is 2 (a man's is 6)
    pathway_id, patient_id = _opstart(app, cpr="0101901234")
    with app.app_context():
        item = setup.item_for(pathway_id, "dudit")
        url = f"/forloeb/{pathway_id}/opgaver/{item.task_id}"
        lock = db.session.get(Pathway, pathway_id).lock_version
    auth.login("psyk.kbh")
    page = client.get(url).get_data(as_text=True)
    assert 'name="sex"' not in page
    data = form_post("dudit", lock, DUDIT_3)
    data["sex"] = "M"                             # a posted sex is overruled by the patient's
    assert client.post(url, data=data).status_code == 302
    with app.app_context():
        record = db.session.scalar(select(TaskRecord).where(TaskRecord.form_id == "dudit"))
        assert (record.data["sex"], record.data["dudit_score"], record.data["dudit_zone"]) == \
            ("K", 3, "problemer")


def test_high_suicide_risk_creates_a_same_day_psychiatry_task_and_a_banner_mark(app, client, auth):
    pathway_id, patient_id = _opstart(app)
    with app.app_context():
        setup.complete(pathway_id, "selvmordsrisiko", {"suicide_risk_level": "hoej",
                                                       "actions": "Set af vagtlæge"})
        item = setup.item_for(pathway_id, "selvmordsrisiko_akut")
        assert (item.lane, item.org_code) == ("psykiatri", "region-hovedstaden")
        assert local_date(item.due_at) == local_today()
        assert db.session.get(Pathway, pathway_id).suicide_risk == "hoej"
    auth.login("psyk.kbh")
    body = client.get(f"/patienter/{patient_id}").get_data(as_text=True)
    assert 'id="risk-mark"' in body and "Akut psykiatrisk vurdering (samme dag)" in body
    with app.app_context():
        setup.complete(pathway_id, "selvmordsrisiko_akut")    # the opstart goes on afterwards
        assert {i.form_id for i in setup.open_items(pathway_id)} >= {"audit"}
