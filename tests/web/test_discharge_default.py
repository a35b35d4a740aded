"""Discharge goes back, by default, to the phase the patient was admitted from (UI and API)."""
import json

from tests.web import pathway_setup as setup
from webui.api.tokens import create_client
from webui.extensions import db

BOTH = ("psykiatri", "kommune")
INPATIENT = ("indlagt_henvendelse", "selvmordsrisiko", "indlagt_diagnostik", "medicingennemgang",
             "indlagt_behandling")


def _radio(page, value):
    """The <input> tag of one return_stage option."""
    tag = page.split(f'name="return_stage" value="{value}"')
    assert len(tag) == 2, value
    return tag[0].rsplit("<input", 1)[1] + tag[1].split(">", 1)[0]


def test_the_discharge_form_defaults_to_the_phase_before_admission(app, client, auth):
    with app.app_context():
        pathway = setup.to_opstart(contacts=BOTH)
        pathway_id = pathway.id
    auth.login("psyk.kbh")
    client.post(f"/forloeb/{pathway_id}/indlaeggelse", data={"admission_reason": "abstinenser"})
    with app.app_context():
        for form_id in INPATIENT:
            setup.complete(pathway_id, form_id)
        task_id = setup.item_for(pathway_id, "indlagt_udskrivelse").task_id
    page = client.get(f"/forloeb/{pathway_id}/opgaver/{task_id}").get_data(as_text=True)
    assert "checked" in _radio(page, "opstart") and "checked" not in _radio(page, "ustabil")
    assert "Opstart (fasen før indlæggelsen)" in page and "det sædvanlige" not in page


def test_the_api_discharges_to_the_phase_before_admission_unless_told(app, client, demo_users):
    with app.app_context():
        _client, token = create_client("sp", "region-hovedstaden")
        db.session.commit()
        setup.to_opstart(contacts=BOTH)
        setup.to_opstart(cpr="0202902468", contacts=BOTH)

    def post(body):
        return client.post("/api/v1/events", data=json.dumps(body), content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})

    for n, cpr in enumerate(("0101901235", "0202902468")):
        assert post({"event_id": f"a{n}", "type": "admission", "cpr": cpr}).status_code == 200
    out = post({"event_id": "d0", "type": "discharge", "cpr": "0101901235"})
    assert out.status_code == 200 and out.get_json()["stage"] == "opstart"
    out = post({"event_id": "d1", "type": "discharge", "cpr": "0202902468",
                "return_stage": "stabil"})
    assert out.status_code == 200 and out.get_json()["stage"] == "stabil"
