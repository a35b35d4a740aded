"""Valider reruns only the scenarios whose journeys reach a changed element; Foreslå runs them all.

Both the request (/modeler/api/validate) and the editor's background job choose them.
"""
import threading

from sqlalchemy import select

from engine.models import DefinitionVersion
from scenarios.runner import run_all
from tests.web.pathway_setup import ensure_deployed
from webui.extensions import db
from webui.modeler import review, validation_jobs

RULE_12 = '<outputEntry id="rule_12_date"><text>"2026-07-01"</text>'
CONDITION = "inpatient_phase == 'behandling'"


def _current(app):
    with app.app_context():
        ensure_deployed()
        version = db.session.scalars(select(DefinitionVersion).where(
            DefinitionVersion.status == "current")).one()
        return version.id, dict(version.files)


def _open_editor(client, app, base):
    """Open the editor as an owner does; wait for the base's journeys to be learnt."""
    app.config["MODELER_LEARN_JOURNEYS"] = True
    assert client.get(f"/modeler/versions/{base}/edit").status_code == 200
    for thread in threading.enumerate():
        if thread.name == "forlob-scenario-journeys":
            thread.join(timeout=300)


def test_before_the_journeys_are_known_every_scenario_runs(auth, client, app):
    base, files = _current(app)
    review._REACHED.clear()
    changed = {"phase_in.dmn": files["phase_in.dmn"].replace(
        RULE_12, '<outputEntry id="rule_12_date"><text>"2027-01-04"</text>')}
    auth.login("ejer")
    body = client.post("/modeler/api/validate", json={"base_version": base, "files": changed}).get_json()
    assert body["ok"] is True and len(body["scenarios"]) == 14
    assert not any(s.get("skipped") for s in body["scenarios"])


def test_a_row_no_scenario_matches_runs_no_scenario_but_propose_runs_all(auth, client, app):
    base, files = _current(app)
    changed = {"phase_in.dmn": files["phase_in.dmn"].replace(
        RULE_12, '<outputEntry id="rule_12_date"><text>"2027-01-04"</text>')}
    auth.login("ejer")
    _open_editor(client, app, base)
    body = client.post("/modeler/api/validate", json={"base_version": base, "files": changed}).get_json()
    assert body["ok"] is True and len(body["scenarios"]) == 14
    assert all(s["skipped"] for s in body["scenarios"])  # Sjælland group 3 is in no scenario
    proposed = client.post("/modeler/api/propose", json={"base_version": base, "files": changed}).get_json()
    with app.app_context():
        results = db.session.get(DefinitionVersion, proposed["version"]).scenario_results
    assert len(results) == 14 and not any(r.get("skipped") for r in results)
    assert all(r["ok"] and r["reached"] for r in results)


def test_the_chosen_scenarios_fail_exactly_as_a_full_run_does(auth, client, app):
    base, files = _current(app)
    broken = files["indlagt.bpmn"].replace(CONDITION, "False", 1)
    assert broken != files["indlagt.bpmn"]
    auth.login("ejer")
    _open_editor(client, app, base)
    body = client.post("/modeler/api/validate", json={
        "base_version": base, "files": {"indlagt.bpmn": broken}}).get_json()
    ran = {s["id"] for s in body["scenarios"] if not s.get("skipped")}
    failed = {s["id"] for s in body["scenarios"] if not s["ok"]}
    full = run_all(dict(files, **{"indlagt.bpmn": broken}))
    assert body["ok"] is False and failed == {r["id"] for r in full if not r["ok"]}
    assert failed and ran < {r["id"] for r in full}  # fewer scenarios ran, none of the failures missed
    assert all("indlagt" in r["reached"] for r in full if r["id"] in ran)


def test_the_editors_validation_job_runs_only_the_touched_scenarios(auth, client, app):
    """Valider in the editor queues a job for the worker, another process: it reads the journeys
    the editor's opening stored on the version, and runs only the scenarios they touch."""
    base, files = _current(app)
    broken = files["indlagt.bpmn"].replace(CONDITION, "False", 1)
    auth.login("ejer")
    _open_editor(client, app, base)
    with app.app_context():
        stored = db.session.get(DefinitionVersion, base).scenario_results
    assert len(stored) == 14 and all(r["ok"] and r["reached"] for r in stored)
    review._REACHED.clear()  # the worker process has learnt nothing itself
    url = client.post("/modeler/api/validation-jobs", json={
        "base_version": base, "files": {"indlagt.bpmn": broken}}).get_json()["url"]
    with app.app_context():
        assert validation_jobs.run_pending(limit=1) == 1
    job = client.get(url).get_json()
    ran = {s["id"] for s in job["scenarios"] if not s.get("skipped")}
    touched = {r["id"] for r in stored if "indlagt" in r["reached"]}
    assert job["status"] == "done" and job["ok"] is False
    assert job["total"] == len(ran) == len(touched) < 14 and ran == touched
    assert len(job["scenarios"]) == 14 and any(not s["ok"] for s in job["scenarios"])
