"""Benchmark: how long Valider and Foreslå take on a one-element change, by scenario processes.

    .venv/bin/python -m tests.benchmarks.validation_job [--processes 1,2] [--warm] [--json]

Through the Flask app on SQLite, logged in as a process owner. Opening the editor learns the base
version's scenario journeys (`learn_s`, in the background while the owner edits). Then, for each
size of the scenario process pool (`scenarios/processes.py`; 1 = in this process):

- `validate_s`: the owner's Valider as the editor does it: POST /modeler/api/validation-jobs, run
  by the worker lane (`validation_jobs.run_pending`, as `flask engine worker` does), for three
  typical one-element changes (a phase-in date of Region Sjælland group 3, a renamed task in
  Stabil, a changed gateway condition in Overgang); the slowest of the three, with
  `scenarios_run_<change>` (only the scenarios whose journeys reach the change run);
- `propose_s`: POST /modeler/api/propose of a phase-in date change (every scenario runs).

`--warm` runs one job and one proposal per size before measuring (the pool's processes and their
sandbox workers start once per service process). The load average is printed with the figures.
"""
import argparse
import json
import os
import tempfile
import time

from engine import modeling
from scenarios import processes
from scenarios.catalogue import load_all
from tests.benchmarks.modeler import RULE_12, _changes, learn_journeys, owner_session
from tests.benchmarks.worklist_web import _database
from webui.extensions import db
from webui.modeler import validation_jobs


def _one_job(app, client, base_id, changed):
    """(seconds, job answer) of one queued validation run by the worker lane."""
    url = client.post("/modeler/api/validation-jobs",
                      json={"base_version": base_id, "files": changed}).get_json()["url"]
    started = time.perf_counter()
    with app.app_context():
        assert validation_jobs.run_pending(limit=1) == 1
    seconds = time.perf_counter() - started
    return seconds, client.get(url).get_json()


def _propose(client, base_id, files, day):
    """(seconds, answer) of proposing a phase-in date change (a new date each time, so that no
    existing version answers it without running the scenarios)."""
    changed = {"phase_in.dmn": files["phase_in.dmn"].replace(
        RULE_12, f'<outputEntry id="rule_12_date"><text>"2027-02-{day:02d}"</text>')}
    started = time.perf_counter()
    answer = client.post("/modeler/api/propose", json={"base_version": base_id, "files": changed,
                                                       "note": "benchmark"}).get_json()
    return time.perf_counter() - started, answer


def _reject(app, version_id):
    """Reject a measured proposal: the next one on the same base would be stale beside it."""
    with app.app_context():
        modeling.reject(db.session, version_id, "ejer2", reason="benchmark")
        db.session.commit()


def run(sizes, warm):
    """Deploy, learn the journeys, then time Valider and Foreslå per pool size; return figures."""
    os.environ.setdefault("FORLOB_INSTANCE_PATH", tempfile.mkdtemp(prefix="forlob-instance-"))
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    url, cleanup = _database("sqlite")
    previous = processes.SETTINGS["processes"]
    try:
        app, client, base_id, files = owner_session(url)
        changes = _changes(files)
        out: dict = {"cores": os.cpu_count()}
        processes.configure(max(sizes))
        out["learn_s"] = learn_journeys(client, base_id)
        day = 0
        for size in sizes:
            processes.configure(size)
            if warm:
                _one_job(app, client, base_id, changes["condition"])
                day += 1
                _reject(app, _propose(client, base_id, files, day)[1]["version"])
            samples = {}
            for name, changed in changes.items():
                seconds, job = _one_job(app, client, base_id, changed)
                assert job["status"] == "done" and job["ok"], job
                samples[name] = seconds
                out[f"scenarios_run_{name}"] = job["total"]
                out[f"validate_s_{name}_p{size}"] = round(seconds, 2)
            out[f"validate_s_p{size}"] = round(max(samples.values()), 2)
            day += 1
            seconds, answer = _propose(client, base_id, files, day)
            assert answer.get("version"), answer
            out[f"propose_s_p{size}"] = round(seconds, 2)
            _reject(app, answer["version"])
        out["scenarios"] = len(load_all())
        # the figures of the largest pool (the default is 2) under the names
        out["validate_s"], out["propose_s"] = out[f"validate_s_p{max(sizes)}"], out[f"propose_s_p{max(sizes)}"]
        out["load"] = round(os.getloadavg()[0], 2)
        return out
    finally:
        processes.configure(previous)
        cleanup()


def main():
    """Parse arguments, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", default="1,2")
    parser.add_argument("--warm", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run([int(n) for n in args.processes.split(",")], args.warm)
    if args.json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        print(f"{key:32} {value}")


if __name__ == "__main__":
    main()
