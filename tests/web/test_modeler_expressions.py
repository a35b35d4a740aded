"""The editor's live expression check: compiled in the sandbox, never run; process owners only."""
import json

import pytest
from sqlalchemy import select

from engine.models import DefinitionVersion
from tests.web.pathway_setup import ensure_deployed
from webui.extensions import db
from webui.modeler.expressions import CHECKS

CASES = [
    ("condition", "visitation_decision == 'afvist'", True, None),
    ("condition", "phase_decision in ('ustabil',", False, 1),
    ("condition", "x.__class__", False, 1),
    ("script", "a = 1\nimport os", False, 2),
    ("script", "next_stage = 'stabil'", True, None),
    ("timer", "P14D", True, None),
    ("timer", "reassess_at", True, None),
    ("timer", "", False, None),
    ("due", "iso(add_days(date_of(reassess_at), 14))", True, None),
    ("dmn", "\"hovedstaden\"", True, None),
    ("dmn", ">= 3", True, None),
    ("dmn", "\"2026-07-01", False, 1),
]


def test_expressions_are_compiled_and_problems_named(auth, client):
    auth.login("ejer")
    for kind, text, ok, line in CASES:
        body = client.post("/modeler/api/expression", json={"kind": kind, "text": text}).get_json()
        assert (body["ok"], body["line"]) == (ok, line), (kind, text, body)
        assert (body["message"] is None) is ok
        if not ok:
            assert body["message"].startswith("Udtrykket kan ikke bruges")


def test_an_expression_is_never_executed(auth, client, tmp_path):
    auth.login("ejer")
    marker = tmp_path / "ran"
    script = f"open({str(marker)!r}, 'w')"
    body = client.post("/modeler/api/expression",
                       json={"kind": "script", "text": script}).get_json()
    assert body["ok"] is True  # compiles (open is simply unknown in the sandbox) ...
    assert not marker.exists()  # ... but nothing ran


def test_bad_requests_are_refused(auth, client):
    auth.login("ejer")
    for payload in (None, {"kind": "sql", "text": "1"}, {"kind": "condition"},
                    {"kind": "condition", "text": 3}):
        response = client.post("/modeler/api/expression", json=payload)
        assert response.status_code == 400, payload
        assert response.get_json()["error"] == "bad_request"


def test_only_process_owners_may_check(auth, client):
    auth.login("psyk.kbh")
    response = client.post("/modeler/api/expression", json={"kind": "condition", "text": "1"})
    assert response.status_code == 403


def test_a_flood_of_checks_by_one_owner_is_refused_per_user(auth, client, app):
    """Issue 19: eight owners' floods of checks starved clinicians' sandbox workers."""
    CHECKS.reset()
    app.config.update(RATELIMIT_ENABLED=True, MODELER_EXPRESSION_CHECKS_PER_MINUTE=5)
    auth.login("ejer")
    payload = {"kind": "condition", "text": "1 == 1"}
    answers = [client.post("/modeler/api/expression", json=payload) for _ in range(7)]
    assert [a.status_code for a in answers] == [200] * 5 + [429] * 2
    refused = answers[-1]
    assert refused.get_json()["error"] == "rate_limited"
    assert "Vent" in refused.get_json()["message"] and int(refused.headers["Retry-After"]) >= 1
    auth.logout()
    auth.login("ejer2")  # another owner has a budget of their own
    assert client.post("/modeler/api/expression", json=payload).status_code == 200
    CHECKS.reset()
def _current_version(app):
    with app.app_context():
        ensure_deployed()
        version = db.session.scalars(select(DefinitionVersion).where(
            DefinitionVersion.status == "current")).one()
        return version.id, dict(version.files)


@pytest.mark.parametrize(("text", "meant"), [
    ("visitations_decision == 'afvist'", "visitation_decision"),
    ("inpatient_phse == 'behandling'", "inpatient_phase"),
    ("suicide_risk_lvl == 'hoej'", "suicide_risk_level"),
])
def test_names_no_data_holds_are_flagged_while_typing(auth, client, app, text, meant):
    base, _files = _current_version(app)
    auth.login("ejer")
    body = client.post("/modeler/api/expression",
                       json={"kind": "condition", "text": text, "base_version": base}).get_json()
    assert body["ok"] is False and body["unknown"][0]["suggestion"] == meant
    assert f"mente du `{meant}`?" in body["message"]
    right = client.post("/modeler/api/expression", json={
        "kind": "condition", "text": text.replace(body["unknown"][0]["name"], meant),
        "base_version": base}).get_json()
    assert right["ok"] is True


def test_a_field_added_in_the_page_is_a_known_name(auth, client, app):
    base, files = _current_version(app)
    auth.login("ejer")
    text = "naeste_opfoelgning != None"
    before = client.post("/modeler/api/expression",
                         json={"kind": "condition", "text": text, "base_version": base}).get_json()
    assert before["ok"] is False
    form = json.loads(files["forms/visitation.json"])
    form["components"].append({"type": "datetime", "id": "Field_d", "key": "naeste_opfoelgning",
                               "subtype": "date", "dateLabel": "Næste opfølgning"})
    after = client.post("/modeler/api/expression", json={
        "kind": "condition", "text": text, "base_version": base,
        "files": {"forms/visitation.json": json.dumps(form)}}).get_json()
    assert after["ok"] is True


def test_validate_lists_a_misspelt_name_as_a_problem_before_any_scenario(auth, client, app):
    base, files = _current_version(app)
    auth.login("ejer")
    changed = {"indlagt.bpmn": files["indlagt.bpmn"].replace("inpatient_phase == 'behandling'",
                                                              "inpatient_phse == 'behandling'")}
    body = client.post("/modeler/api/validate", json={"base_version": base, "files": changed}).get_json()
    assert body["ok"] is False and body["scenarios"] == []
    assert [(p["file"], p["element"]) for p in body["problems"]] == [("indlagt.bpmn", "Flow_indlagt_2")]
    assert "mente du `inpatient_phase`?" in body["problems"][0]["message"]
