"""No stored text can break a page: the doors refuse bad text, and pages show what slipped past."""
import json

from sqlalchemy import select

from engine import service
from engine.models import Notice, Patient
from tests.web import pathway_setup as setup
from webui.api.tokens import create_client
from webui.extensions import db

CPR = "0101901235"
PLANTED = "Plan \ud800 \x1b[31m\x07 slut"


def _discharged_with_note(app, note):
    """A Copenhagen patient admitted and discharged with `note`, bypassing every door."""
    with app.app_context():
        pathway = setup.to_opstart(cpr=CPR, contacts=("psykiatri", "kommune"))
        service.deliver_message(db.session, "indlagt", pathway.patient_id,
                                {"admission_reason": "andet"}, "test")
        service.deliver_message(db.session, "udskrevet", pathway.patient_id,
                                {"return_stage": "ustabil", "discharge_note": note,
                                 "discharge_date": "2026-02-01"}, "test")
        db.session.commit()
        return pathway.id


def test_stored_bad_text_does_not_break_the_pages_that_show_it(app, client, auth):
    _discharged_with_note(app, PLANTED)
    with app.app_context():  # a stored name with control characters, as a direct edit could leave
        patient = db.session.scalar(select(Patient))
        patient.name, patient_id = "Bent \x1b[2J\x07Testesen", patient.id
        db.session.commit()
        stored = db.session.scalar(select(Notice).where(Notice.kind == "discharged"))
        assert "\ud800" in json.dumps(stored.data, ensure_ascii=False)  # the planted text is there
    auth.login("rus.kbh")
    for url in ("/", "/meddelelser/", f"/patienter/{patient_id}", "/patienter?q=Bent"):
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200, (url, response.status_code)
        assert "\ud800".encode("utf-8", "surrogatepass") not in response.data
    inbox = client.get("/meddelelser/").get_data(as_text=True)
    assert "Plan \ufffd" in inbox or "Plan" in inbox


def test_the_api_door_refuses_the_text_so_it_is_never_stored(app, client, auth):
    with app.app_context():
        setup.to_opstart(cpr=CPR, contacts=("psykiatri", "kommune"))
        _client, token = create_client("epj", "region-hovedstaden")
        db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    admitted = client.post("/api/v1/events", json={"event_id": "a", "type": "admission", "cpr": CPR},
                           headers=headers)
    assert admitted.status_code == 200
    refused = client.post("/api/v1/events", headers=headers, json={
        "event_id": "d", "type": "discharge", "cpr": CPR, "discharge_note": "Plan \ud800"})
    assert refused.status_code == 400 and refused.get_json()["code"] == "invalid_text"
    auth.login("rus.kbh")
    assert client.get("/").status_code == 200
    assert client.get("/meddelelser/").status_code == 200


def test_the_web_door_refuses_control_characters(app, client, auth):
    auth.login("psyk.kbh")
    response = client.get("/patienter?q=Bent\x1b[2J")
    assert response.status_code == 400
    posted = client.post("/henvisning", data={"cpr": CPR, "name": "Bent\x07"})
    assert posted.status_code == 400


def test_the_cli_door_refuses_bad_text(app, runner, demo_users):
    for args in (["users", "create", "bad\x07name", "--org", "region-hovedstaden",
                  "--roles", "regional_clinician", "--password", "longenough1"],
                 ["users", "create", "ok.name", "--org", "region-hovedstaden", "--name", "A\x1bB",
                  "--roles", "regional_clinician", "--password", "longenough1"],
                 ["users", "create", "x" * 81, "--org", "region-hovedstaden",
                  "--roles", "regional_clinician", "--password", "longenough1"],
                 ["api", "create-client", "epj\ud800", "--org", "region-hovedstaden"],
                 ["engine", "message", "udskrevet", "--patient", "1", "--set", "discharge_note=a\x07"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 2, (args, result.output)  # a usage error, before any change
    with app.app_context():
        assert db.session.scalar(select(Patient)) is None
