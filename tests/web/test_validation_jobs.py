"""Validation with scenarios runs as a background job of the timer worker, with its progress.

Issue 19: a proposal whose every step was slow held one validate request for 186 s. Now the
request answers at once (202 and a poll URL); the worker runs every scenario in the owner lane,
commits its progress after each, and a slow scenario fails itself naming its element.
"""
import json
import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.sandbox import isolation
from scenarios import processes
from scenarios import runner as scenario_runner
from tests.web.slow_proposal import slow_referral
from webui.extensions import db
from webui.modeler import review, validation_jobs
from webui.models import ValidationJob


@pytest.fixture(autouse=True)
def few_scenarios(monkeypatch):
    """Three of the scenarios keep these tests short; which ones does not matter here."""
    everything = validation_jobs.load_all
    monkeypatch.setattr(validation_jobs, "load_all", lambda: everything()[:3])
    # journeys learnt by an earlier test would choose fewer scenarios (test_modeler_validate_selection)
    monkeypatch.setattr(review, "_REACHED", {})


@pytest.fixture
def short_budget():
    previous = isolation.SETTINGS["click_budget_s"]
    isolation.configure(click_budget_s=0.3)
    yield
    isolation.configure(click_budget_s=previous)



def test_a_slow_proposal_is_queued_at_once_and_fails_itself_in_the_worker(auth, client, base,
                                                                           runner, short_budget,
                                                                           monkeypatch):
    base_id, files = base
    auth.login("ejer")
    ran, real_step = [], scenario_runner._step

    def noted_step(journey, step):  # every scenario step, wherever it runs
        ran.append(step)
        return real_step(journey, step)
    monkeypatch.setattr(scenario_runner, "_step", noted_step)
    response = client.post("/modeler/api/validation-jobs",
                           json={"base_version": base_id, "files": slow_referral(files)})
    assert ran == []  # nothing of the scenarios ran in the request
    assert response.status_code == 202, response.get_data(as_text=True)
    queued = response.get_json()
    assert (queued["status"], queued["done"], queued["ok"]) == ("queued", 0, None)
    assert response.headers["Location"] == queued["url"]
    result = runner.invoke(args=["engine", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert ran  # the worker ran them
    body = client.get(queued["url"]).get_json()
    assert body["status"] == "done" and body["ok"] is False
    assert body["total"] == body["done"] == len(body["scenarios"]) > 1
    failed = [s for s in body["scenarios"] if not s["ok"]]
    assert failed and all("time limit" in s["message"] for s in failed), failed
    assert "in element '" in failed[0]["message"]
    assert body["message"].startswith(failed[0]["title"])


@pytest.fixture
def owner_workers():
    """Set the owner lane's pool size for one test."""
    previous = isolation.SETTINGS["owner_workers"]
    yield lambda n: isolation.configure(owner_workers=n)
    isolation.configure(owner_workers=previous)


def test_progress_is_committed_after_each_scenario(auth, client, app, base, monkeypatch,
                                                    owner_workers):
    owner_workers(1)  # one at a time: each scenario starts after the previous one's commit
    base_id, _files = base
    auth.login("ejer")
    url = client.post("/modeler/api/validation-jobs",
                      json={"base_version": base_id, "files": {}}).get_json()["url"]
    seen = []
    original = processes.run_one
    with app.app_context():
        bind = db.engine  # the scenario threads have no app context

    def spying(files, scenario):
        with Session(bind) as other:  # what a poll from another process would read
            job = other.scalars(select(ValidationJob)).one()
            seen.append((job.status, job.done, job.total))
        return original(files, scenario)

    monkeypatch.setattr(processes, "run_one", spying)
    with app.app_context():
        assert validation_jobs.run_pending() == 1
    total = seen[0][2]
    assert seen == [("running", n, total) for n in range(total)]
    body = client.get(url).get_json()
    assert (body["status"], body["done"], body["total"]) == ("done", total, total)
    assert body["ok"] is True, body["message"] or body["problems"]


def test_scenarios_run_in_the_scenario_processes_and_progress_counts_each(
        auth, client, app, base, monkeypatch):
    base_id, _files = base
    auth.login("ejer")
    url = client.post("/modeler/api/validation-jobs",
                      json={"base_version": base_id, "files": {}}).get_json()["url"]
    here = []
    monkeypatch.setattr(processes, "run_one", lambda *args: here.append(args) or {})  # not in this process
    processes.configure(2)
    try:
        with app.app_context():
            assert validation_jobs.run_pending() == 1
    finally:
        processes.configure(0)
    assert here == []
    body = client.get(url).get_json()
    assert (body["status"], body["done"], body["total"]) == ("done", 3, 3)
    assert body["ok"] is True, body["message"] or body["problems"]
    # results in catalogue order, whichever finished first, each with its journey
    assert [s["id"] for s in body["scenarios"]] == [s["id"] for s in validation_jobs.load_all()]
    assert all(s["reached"] for s in body["scenarios"])


def test_jobs_per_owner_are_limited_and_bad_input_changes_nothing(auth, client, app, base):
    base_id, _files = base
    auth.login("ejer")
    for _ in range(validation_jobs.MAX_OPEN):
        assert client.post("/modeler/api/validation-jobs",
                           json={"base_version": base_id, "files": {}}).status_code == 202
    refused = client.post("/modeler/api/validation-jobs", json={"base_version": base_id, "files": {}})
    assert refused.status_code == 429 and refused.get_json()["error"] == "too_many_jobs"
    assert client.post("/modeler/api/validation-jobs",
                       json={"base_version": 9999, "files": {}}).status_code == 404
    assert client.post("/modeler/api/validation-jobs", json={"files": {}}).status_code == 400
    assert client.get("/modeler/api/validation-jobs/9999").status_code == 404
    with app.app_context():
        assert db.session.query(ValidationJob).count() == validation_jobs.MAX_OPEN


def test_only_process_owners_may_queue_or_read_jobs(auth, client, base):
    base_id, _files = base
    auth.login("psyk.kbh")
    assert client.post("/modeler/api/validation-jobs",
                       json={"base_version": base_id, "files": {}}).status_code in (302, 403)
    assert client.get("/modeler/api/validation-jobs/1").status_code in (302, 403)


def test_a_request_that_still_runs_scenarios_stops_at_its_deadline(auth, client, app, base,
                                                                    short_budget):
    base_id, files = base
    app.config["MODELER_SCENARIO_SECONDS"] = 0.5
    auth.login("ejer")
    body = client.post("/modeler/api/validate",
                       json={"base_version": base_id, "files": slow_referral(files)}).get_json()
    assert body["ok"] is False, body
    not_run = [s for s in body["scenarios"] if s["message"] and s["message"].startswith("not run")]
    ran = [s for s in body["scenarios"] if s not in not_run]
    assert not_run and "/modeler/api/validation-jobs" in not_run[0]["message"], body
    # Stopped at its deadline, told by what ran rather than by the wall clock (a loaded
    # machine slows every step): each scenario that ran spent its whole click budget (0.3 s)
    # on the slow decision, so only those begun within the 0.5 s can have run, one of them
    # perhaps still in hand at the deadline (none, when the child process that runs them had
    # not finished starting by then: it is killed at the deadline all the same).
    assert all("time limit" in (s["message"] or "") for s in ran), ran
    assert len(ran) <= 2, [s["id"] for s in ran]


def test_the_editors_valider_button_queues_a_job_and_polls_it(auth, client, base):
    """The editor page's "Valider" posts to the job endpoint and shows "n af m scenarier"."""
    base_id, _files = base
    auth.login("ejer")
    page = client.get(f"/modeler/versions/{base_id}/edit").get_data(as_text=True)
    api_base = re.search(r'data-api-base="([^"]+)"', page).group(1)
    texts = json.loads(re.search(r'id="modeler-texts">(.*?)</script>', page, re.S).group(1))
    assert "{done} af {total} scenarier" in texts["validationProgress"]
    assert texts["validationQueued"]
    # the page's scripts: Valider queues a job at <api base>/validation-jobs and polls its URL
    api = client.get("/static/modeler/api.js").get_data(as_text=True)
    editor = client.get("/static/modeler/editor.js").get_data(as_text=True)
    assert 'call("POST", `${root.dataset.apiBase}/validation-jobs`, body)' in api
    assert 'validationJob: (url) => call("GET", url)' in api
    validate = editor[editor.index("async function validate()"):editor.index("async function propose()")]
    assert "runValidationJob()" in validate and "api.validate(" not in validate
    assert "api.queueValidation(" in editor and "api.validationJob(url)" in editor
    assert 'getElementById("validate-button").addEventListener("click", () => validate())' in editor
    # and that URL is the job endpoint: it answers 202 with the URL the script polls
    queued = client.post(f"{api_base}/validation-jobs", json={"base_version": base_id, "files": {}})
    assert queued.status_code == 202
    assert client.get(queued.get_json()["url"]).get_json()["status"] == "queued"
