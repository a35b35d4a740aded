"""The hospital-systems API: per-client hashed tokens, CPR matching, idempotency, audit, clear 4xx."""
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.models import AuditEntry, Notice, Pathway
from tests.web import pathway_setup as setup
from webui.api.models import ApiClient, ApiEvent
from webui.api.openapi import SPEC
from webui.api.tokens import create_client, hash_token
from webui.extensions import db

CPR = "0101901235"


@pytest.fixture
def token(app, demo_users):
    """A client of Region Hovedstaden's hospital and its token."""
    with app.app_context():
        _client, token = create_client("sundhedsplatformen", "region-hovedstaden")
        db.session.commit()
    return token


def _post(client, token, body, **headers):
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.post("/api/v1/events", data=json.dumps(body), headers=headers,
                       content_type="application/json")


def _in_opstart(app, cpr=CPR):
    with app.app_context():
        pathway = setup.to_opstart(cpr=cpr, contacts=("psykiatri", "kommune"))
        return pathway.id


def test_token_is_stored_only_as_a_hash(app, token):
    with app.app_context():
        stored = db.session.scalar(select(ApiClient))
        assert stored.token_hash == hash_token(token) and token not in stored.token_hash


@pytest.mark.parametrize("header", [None, "Bearer forlob_wrong", "Basic abc", "Bearer "])
def test_missing_or_wrong_token_is_401_and_audited(app, client, token, header):
    headers = {"Authorization": header} if header else {}
    response = _post(client, None, {"event_id": "e1", "type": "admission", "cpr": CPR}, **headers)
    assert response.status_code == 401 and response.get_json()["code"] == "unauthorized"
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "api_denied"))


def test_revoked_client_is_refused(app, client, token):
    with app.app_context():
        db.session.scalar(select(ApiClient)).active = False
        db.session.commit()
    assert _post(client, token, {"event_id": "e1", "type": "admission", "cpr": CPR}).status_code == 401


def test_admission_then_discharge_through_the_api(app, client, token):
    pathway_id = _in_opstart(app)
    first = _post(client, token, {"event_id": "adm-1", "type": "admission", "cpr": "010190-1235",
                                  "reason": "abstinenser"})
    assert first.status_code == 200, first.get_json()
    assert first.get_json() == {"status": "accepted", "event_id": "adm-1",
                                "pathway_id": pathway_id, "stage": "indlagt"}
    again = _post(client, token, {"event_id": "adm-1", "type": "admission", "cpr": CPR,
                                  "reason": "abstinenser"})
    assert again.status_code == 200 and again.headers["Idempotent-Replay"] == "true"
    assert again.get_json() == first.get_json()
    out = _post(client, token, {"event_id": "dis-1", "type": "discharge", "cpr": CPR,
                                "return_stage": "stabil", "discharge_date": "2026-02-01",
                                "discharge_note": "Opfølgning i ambulatoriet"})
    assert out.status_code == 200 and out.get_json()["stage"] == "stabil"
    with app.app_context():
        assert db.session.get(Pathway, pathway_id).stage == "stabil"
        kinds = [(n.kind, n.data.get("plan", {}).get("note")) for n in db.session.scalars(
            select(Notice).where(Notice.org_code == "kommune-koebenhavn").order_by(Notice.id))]
        assert kinds == [("admitted", None), ("discharged", "Opfølgning i ambulatoriet")]
        actions = [a.action for a in db.session.scalars(
            select(AuditEntry).where(AuditEntry.actor == "api:sundhedsplatformen"))]
        assert actions.count("api_event") == 2 and actions.count("api_event_replay") == 1


def test_unknown_patient_and_patient_of_another_organisation_are_404(app, client, token):
    with app.app_context():   # a patient known only to Region Nordjylland's pathway
        setup.refer(cpr="0202902468", region="nordjylland", municipality="aalborg",
                    actor="psyk.aal")
    for cpr in ("0909909999", "0202902468"):
        response = _post(client, token, {"event_id": f"x-{cpr}", "type": "admission", "cpr": cpr})
        assert response.status_code == 404 and response.get_json()["code"] == "unknown_patient"


def test_patient_not_waiting_or_without_active_pathway_is_409(app, client, token):
    with app.app_context():
        pathway = setup.refer(cpr=CPR)            # in referral: nothing to discharge
        pathway_id = pathway.id
    response = _post(client, token, {"event_id": "b", "type": "discharge", "cpr": CPR})
    assert response.status_code == 409 and response.get_json()["code"] == "not_waiting"
    # a referred patient can be admitted; admitted, not again
    response = _post(client, token, {"event_id": "a0", "type": "admission", "cpr": CPR})
    assert response.status_code == 200 and response.get_json()["stage"] == "indlagt"
    response = _post(client, token, {"event_id": "a", "type": "admission", "cpr": CPR})
    assert response.status_code == 409 and response.get_json()["code"] == "not_waiting"
    with app.app_context():
        db.session.get(Pathway, pathway_id).status = "ended"
        db.session.commit()
    response = _post(client, token, {"event_id": "c", "type": "admission", "cpr": CPR})
    assert response.status_code == 409 and response.get_json()["code"] == "no_pathway"
    # a refused event may be sent again once the pathway is ready (it was not kept)
    response = _post(client, token, {"event_id": "a", "type": "admission", "cpr": CPR})
    assert "Idempotent-Replay" not in response.headers


INVALID = [
    ([], "JSON object"),
    ({"type": "admission", "cpr": CPR}, "event_id"),
    ({"event_id": "e", "type": "transfer", "cpr": CPR}, "type must be"),
    ({"event_id": "e", "type": "admission", "cpr": "12"}, "cpr must be 10 digits"),
    ({"event_id": "e", "type": "admission", "cpr": "010-190-1235"}, "cpr must be 10 digits"),
    ({"event_id": "e", "type": "admission", "cpr": CPR, "reason": "x"}, "reason must be"),
    ({"event_id": "e", "type": "discharge", "cpr": CPR, "return_stage": "x"}, "return_stage"),
    ({"event_id": "e", "type": "discharge", "cpr": CPR, "discharge_date": "1/2"}, "ISO date"),
]


def test_invalid_events_are_400_and_change_nothing(app, client, token):
    for body, fragment in INVALID:
        response = _post(client, token, body)
        assert response.status_code == 400 and fragment in response.get_json()["detail"], body
    with app.app_context():
        assert db.session.scalar(select(ApiEvent)) is None
        rejected = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "api_event"))
        assert len(rejected.all()) == len(INVALID)


def test_non_json_is_415(app, client, token):
    response = client.post("/api/v1/events", data="a=b",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 415


def test_openapi_is_served_and_documented(client):
    served = client.get("/api/v1/openapi.json").get_json()
    assert served == SPEC and set(served["paths"]["/events"]["post"]["responses"]) >= \
        {"200", "400", "401", "404", "409"}
    docs = Path(__file__).resolve().parents[2] / "docs/api/openapi.json"
    assert json.loads(docs.read_text()) == SPEC, "regenerate docs/api/openapi.json"


def test_cli_creates_a_client_and_prints_the_token_once(app, runner, demo_users):
    result = runner.invoke(args=["api", "create-client", "epj", "--org", "region-hovedstaden"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    with app.app_context():
        assert db.session.scalar(select(ApiClient.token_hash)) == hash_token(token)
    assert runner.invoke(args=["api", "create-client", "x", "--org", "nope"]).exit_code != 0
    assert runner.invoke(args=["api", "revoke-client", "epj"]).exit_code == 0
