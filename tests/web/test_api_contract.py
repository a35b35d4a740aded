"""The API's contract: problem details everywhere, typed input, idempotency conflicts,
clients bound to a psychiatry, the published CPR pattern, and rate limits."""
import json
import re

import pytest
from sqlalchemy import func, select

from engine.models import AuditEntry, Notice
from tests.web import pathway_setup as setup
from webui.api.models import ApiClient, ApiEvent
from webui.api.openapi import SPEC
from webui.api.schema import ADMISSION_REASONS, CPR_PATTERN, RETURN_STAGES
from webui.api.tokens import create_client
from webui.extensions import db

CPR = "0101901235"
PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}


@pytest.fixture
def token(app, demo_users):
    """A client of Region Hovedstaden's hospital and its token."""
    with app.app_context():
        _client, token = create_client("sundhedsplatformen", "region-hovedstaden")
        db.session.commit()
    return token


def _post(client, token, body, raw=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/api/v1/events", data=raw if raw is not None else json.dumps(body),
                       headers=headers, content_type="application/json")


def _is_problem(response, status, code=None):
    assert response.status_code == status, (response.status_code, response.data[:300])
    assert response.mimetype == "application/problem+json", response.mimetype
    body = response.get_json()
    assert set(body) == PROBLEM_KEYS and body["status"] == status, body
    assert code is None or body["code"] == code, body
    return body


def test_unknown_paths_and_methods_answer_problem_details(client):
    _is_problem(client.get("/api/v1/nope"), 404, "not_found")
    _is_problem(client.get("/api/nope"), 404, "not_found")
    wrong = client.get("/api/v1/events")
    _is_problem(wrong, 405, "method_not_allowed")
    assert "POST" in wrong.headers["Allow"]
    page = client.delete("/login")
    assert page.status_code == 405 and "Allow" in page.headers  # HTML pages keep Allow too


@pytest.mark.parametrize("field,value", [
    ("type", ["admission"]), ("type", {"a": 1}), ("event_id", ["x"]), ("event_id", 5),
    ("cpr", {"x": 1}), ("cpr", 101901235), ("reason", []), ("return_stage", {}),
    ("discharge_date", ["2026-01-01"]), ("discharge_note", ["x"]), ("discharge_note", 1.5)])
def test_wrong_types_are_400_not_500(app, client, token, field, value):
    body = {"event_id": "e1", "type": "discharge", "cpr": CPR, field: value}
    problem = _is_problem(_post(client, token, body), 400, "invalid_event")
    assert field in problem["detail"]


@pytest.mark.parametrize("raw", ["[" * 1000 + "]" * 1000,
                                 '{"event_id": ' + '{"a": ' * 1000 + "1" + "}" * 1000 + "}"])
def test_deeply_nested_json_is_400(app, client, token, raw):
    _is_problem(_post(client, token, None, raw=raw), 400, "too_deep")


def test_broken_json_and_nul_are_problem_details(app, client, token):
    _is_problem(_post(client, token, None, raw="{nope"), 400, "invalid_json")
    _is_problem(_post(client, token, {"event_id": "a\u0000b", "type": "admission", "cpr": CPR}),
                400, "invalid_text")


def test_lone_surrogate_is_refused_and_nothing_is_stored(app, client, token):
    with app.app_context():
        setup.to_opstart(cpr=CPR, contacts=("psykiatri", "kommune"))
    assert _post(client, token, {"event_id": "a1", "type": "admission", "cpr": CPR}).status_code == 200
    lone = {"event_id": "d1", "type": "discharge", "cpr": CPR, "discharge_note": "Plan \ud800"}
    assert "\\ud800" in json.dumps(lone)  # sent as the JSON escape, as the attacker did
    problem = _is_problem(_post(client, token, lone), 400)
    assert problem["code"] in ("invalid_text", "invalid_event")
    for bad in ("Plan \x07", "Plan \x1b[31m", "x" * 2001):
        _is_problem(_post(client, token, {"event_id": "d2", "type": "discharge", "cpr": CPR,
                                          "discharge_note": bad}), 400)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notice).where(
            Notice.kind == "discharged")) == 0
    ok = _post(client, token, {"event_id": "d3", "type": "discharge", "cpr": CPR,
                               "discharge_note": "Plan:\r\n\tbesøg"})
    assert ok.status_code == 200, ok.get_json()
    with app.app_context():
        note = db.session.scalar(select(Notice).where(Notice.kind == "discharged"))
        assert note.data["plan"]["note"] == "Plan:\n\tbesøg"  # CR LF read as a newline


def test_same_event_id_with_another_body_is_a_conflict(app, client, token):
    with app.app_context():
        setup.to_opstart(cpr=CPR, contacts=("psykiatri", "kommune"))
    first = {"event_id": "adm-1", "type": "admission", "cpr": CPR, "reason": "abstinenser"}
    assert _post(client, token, first).status_code == 200
    same = _post(client, token, dict(first, cpr="010190-1235"))  # the dash is only a spelling
    assert same.status_code == 200 and same.headers["Idempotent-Replay"] == "true"
    other = _post(client, token, dict(first, reason="selvmordsrisiko"))
    _is_problem(other, 409, "idempotency_conflict")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ApiEvent)) == 1


@pytest.mark.parametrize("cpr", ["010-190-1235", "0101-90-12-35", "010190--1235", "0101901235\n",
                                 "０１０１９０１２３５", "010190-123", "²101901235"])
def test_cpr_follows_the_published_pattern(app, client, token, cpr):
    published = SPEC["components"]["schemas"]["Event"]["properties"]["cpr"]["pattern"]
    assert published == CPR_PATTERN
    assert re.search(published, cpr) is None or cpr.endswith("\n")  # Python's $ takes a final \n
    _is_problem(_post(client, token, {"event_id": "e", "type": "admission", "cpr": cpr}), 400)


def test_schema_enums_are_the_published_ones():
    props = SPEC["components"]["schemas"]["Event"]["properties"]
    assert tuple(props["reason"]["enum"]) == ADMISSION_REASONS
    assert tuple(props["return_stage"]["enum"]) == RETURN_STAGES


def test_a_municipal_client_cannot_move_a_psychiatric_pathway(app, client, runner, demo_users):
    with app.app_context():
        setup.to_opstart(cpr=CPR, contacts=("psykiatri", "kommune"))
        # made before clients were bound (or by hand): refused at every call
        _client, token = create_client("kommune-system", "kommune-koebenhavn")
        db.session.commit()
    response = _post(client, token, {"event_id": "x", "type": "admission", "cpr": CPR})
    _is_problem(response, 403, "organisation_not_allowed")
    refused = runner.invoke(args=["api", "create-client", "k2", "--org", "kommune-koebenhavn"])
    assert refused.exit_code != 0 and "psychiatry" in refused.output
    bad_name = runner.invoke(args=["api", "create-client", "a\x07b", "--org", "region-hovedstaden"])
    assert bad_name.exit_code != 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ApiClient)) == 1


def test_failed_authentication_is_limited_per_address(app, client, token):
    app.config.update(RATELIMIT_ENABLED=True, API_FAILED_AUTH_PER_ADDRESS=5)
    answers = [_post(client, "forlob_wrong", {"event_id": "e", "type": "admission", "cpr": CPR})
               for _ in range(12)]
    assert [a.status_code for a in answers] == [401] * 5 + [429] * 7
    limited = _is_problem(answers[-1], 429, "rate_limited")
    assert limited and 1 <= int(answers[-1].headers["Retry-After"]) <= 61
    with app.app_context():  # refusals after the limit cost no audit rows
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "api_denied")) == 5
    other = client.post("/api/v1/events", data="{}", content_type="application/json",
                        headers={"Authorization": f"Bearer {token}"},
                        environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert other.status_code == 400  # another address, with a token, is heard


def test_calls_are_limited_per_client(app, client, token):
    app.config.update(RATELIMIT_ENABLED=True, API_CALLS_PER_CLIENT=3)
    codes = [_post(client, token, {"event_id": f"e{i}", "type": "admission", "cpr": "12"}).status_code
             for i in range(5)]
    assert codes == [400, 400, 400, 429, 429]
