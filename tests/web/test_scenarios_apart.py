"""A validate request's scenarios run apart from the web process, bounded and rate-limited.

Issue 19: the workflow engine of an owner's scenarios ran in the web process beside clinicians'
requests. Now `scenarios.apart` runs them in a child process at the owners' niceness, killed at
the request's deadline; a web process runs at most as many such children as the owner lane
has workers, and each owner may validate 10 times a minute.
"""
import os
import time

from scenarios import apart, runner
from scenarios.catalogue import load_all
from tests.web.slow_proposal import slow_referral
from webui.modeler import api, review


def _children():
    """Process ids whose parent is this process."""
    me, found = str(os.getpid()), set()
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as handle:
                if handle.read().rsplit(")", 1)[1].split()[1] == me:
                    found.add(int(entry))
        except (OSError, IndexError):
            continue
    return found


def test_scenarios_run_in_a_child_process_not_here(base, monkeypatch):
    _base_id, files = base
    scenarios = load_all()[:2]

    def not_here(*_args):
        raise AssertionError("a scenario ran in the web process")
    monkeypatch.setattr(runner, "run_one", not_here)
    monkeypatch.setattr(apart, "run_one", not_here)
    results = apart.run_apart(files, scenarios, 120)
    assert [r["id"] for r in results] == [s["id"] for s in scenarios]
    assert all(r["ok"] for r in results), results
    assert all(r["reached"] for r in results)  # what the journeys reached comes back too


def test_the_child_stays_in_this_session_so_its_low_priority_holds(base, monkeypatch):
    """In a session of its own the child (and each of its sandbox workers) was a scheduling
    autogroup of its own, as strong as the web process whatever its niceness (issue 19)."""
    _base_id, files = base
    seen, popen = [], apart.subprocess.Popen

    def recording(*args, **kwargs):
        proc = popen(*args, **kwargs)
        seen.append((os.getsid(proc.pid), os.getpgid(proc.pid), proc.pid))
        return proc
    monkeypatch.setattr(apart.subprocess, "Popen", recording)
    assert apart.run_apart(files, load_all()[:1], 120)[0]["ok"]
    assert seen == [(os.getsid(0), seen[0][2], seen[0][2])]  # its own group, for killpg


def test_the_child_is_killed_at_the_deadline_and_the_rest_is_not_run(base):
    _base_id, files = base
    slow = {**files, **slow_referral(files)}
    before = _children()
    started = time.monotonic()
    results = apart.run_apart(slow, load_all(), 1.0)
    assert time.monotonic() - started < 5.0
    assert len(results) == len(load_all())
    assert any(r["message"] and r["message"].startswith("not run") for r in results)
    assert not (_children() - before)  # killed and reaped


def test_a_full_server_refuses_at_once_instead_of_holding_a_web_thread(auth, client, app, base):
    base_id, files = base
    auth.login("ejer")
    taken = 0
    with app.app_context():
        slots = review._apart_slots()
    while slots.acquire(blocking=False):
        taken += 1
    try:
        started = time.monotonic()
        body = client.post("/modeler/api/validate", json={"base_version": base_id, "files": {
            "henvisning.bpmn": files["henvisning.bpmn"].replace('name="', 'name="Ny ', 1)}}).get_json()
        assert time.monotonic() - started < 10.0
    finally:
        for _ in range(taken):
            slots.release()
    assert taken >= 1 and body["ok"] is False
    assert {s["message"] for s in body["scenarios"] if not s.get("skipped")} == {review.BUSY}


def test_validate_requests_are_rate_limited_per_owner(auth, client, app, base):
    base_id, _files = base
    api.VALIDATIONS.reset()
    app.config.update(RATELIMIT_ENABLED=True, MODELER_VALIDATIONS_PER_MINUTE=2)
    auth.login("ejer")
    try:
        answers = [client.post("/modeler/api/validate", json={"base_version": base_id, "files": {}})
                   for _ in range(3)]
    finally:
        api.VALIDATIONS.reset()
    assert [a.status_code for a in answers[:2]] == [200, 200]
    assert answers[2].status_code == 429 and answers[2].get_json()["error"] == "rate_limited"
    assert int(answers[2].headers["Retry-After"]) > 0
