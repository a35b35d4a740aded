"""Benchmark: how long a process owner waits for Valider and Foreslå on a one-element change.

    .venv/bin/python -m tests.benchmarks.modeler [--db sqlite|postgres] [--repeat 3] [--json]

Through the whole Flask app with the test client, logged in as a process owner, on the pathway
deployed from bpmn/. Three typical one-element changes: a phase-in date (Region Sjælland, group 3),
a renamed task in Stabil, and a changed gateway condition in Overgang (a change of behaviour:
the scenarios that pass that gateway run again), with scenarios in FORLOB_SCENARIO_PROCESSES
processes (default 2). `validate_cold_s` is a validation before the base version's
scenario journeys are known (every scenario runs, as before). Opening the editor learns them in
the background (`learn_s`, while the owner edits); `validate_s` is then the slowest median of
the three changes. `propose_s` proposes the phase-in change (every scenario runs).
"""
import argparse
import json
import os
import statistics
import tempfile
import threading
import time

from sqlalchemy import select

from engine.models import DefinitionVersion
from scenarios import processes
from tests.benchmarks.worklist_web import _database
from tests.conftest import make_test_config
from tests.web.pathway_setup import ensure_deployed
from webui import create_app
from webui.demo.seed import seed_organisations, seed_users
from webui.extensions import db

RULE_12 = '<outputEntry id="rule_12_date"><text>"2026-07-01"</text>'
TASK = 'name="Registrér aktivitet"'
CONDITION = "phase_decision in ('ustabil', 'stabil')"


def _changes(files):
    """{change name: changed files} of the two one-element changes."""
    stabil = "stabil.bpmn"
    assert RULE_12 in files["phase_in.dmn"] and TASK in files[stabil] and CONDITION in files["overgang.bpmn"]
    return {"phase_in_date": {"phase_in.dmn": files["phase_in.dmn"].replace(
                RULE_12, '<outputEntry id="rule_12_date"><text>"2027-01-04"</text>')},
            "task_name": {stabil: files[stabil].replace(TASK, 'name="Registrér stabil aktivitet"', 1)},
            "condition": {"overgang.bpmn": files["overgang.bpmn"].replace(
                CONDITION, "phase_decision in ('stabil', 'ustabil')", 1)}}


def _post(client, url, body):
    """(seconds, JSON answer) of one API call."""
    started = time.perf_counter()
    response = client.post(url, json=body)
    return time.perf_counter() - started, response.get_json()


def owner_session(url):
    """A migrated, seeded app on `url` with the pathway deployed, and a client logged in as a
    process owner: (app, client, current version id, its files)."""
    create_app({"SQLALCHEMY_DATABASE_URI": url, "AUTO_MIGRATE": True, "TESTING": True})
    app = create_app(make_test_config(url) | {"MODELER_LEARN_JOURNEYS": True})
    with app.app_context():
        seed_organisations()
        seed_users()
        ensure_deployed()
        db.session.commit()
        base = db.session.scalars(select(DefinitionVersion).where(
            DefinitionVersion.status == "current")).one()
        base_id, files = base.id, dict(base.files)
    client = app.test_client()
    client.post("/login", data={"username": "ejer", "password": "demo1234"})
    return app, client, base_id, files


def learn_journeys(client, base_id):
    """Open the editor (which learns the base's journeys in the background); seconds until
    they are learnt."""
    started = time.perf_counter()
    assert client.get(f"/modeler/versions/{base_id}/edit").status_code == 200
    for thread in threading.enumerate():
        if thread.name == "forlob-scenario-journeys":
            thread.join()
    return round(time.perf_counter() - started, 2)


def run(kind, repeat):
    """Deploy, then time validations and one proposal; return figures."""
    os.environ.setdefault("FORLOB_INSTANCE_PATH", tempfile.mkdtemp(prefix="forlob-instance-"))
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    url, cleanup = _database(kind)
    # tests.conftest runs scenarios in-process; measure with the service's pool (default 2)
    processes.configure(int(os.environ.get("FORLOB_SCENARIO_PROCESSES", "2") or 0))
    try:
        app, client, base_id, files = owner_session(url)
        changes = _changes(files)
        cold_s, answer = _post(client, "/modeler/api/validate",
                               {"base_version": base_id, "files": changes["phase_in_date"]})
        assert answer["ok"], answer
        out = {"db": kind, "repeat": repeat, "validate_cold_s": round(cold_s, 2)}
        out["learn_s"] = learn_journeys(client, base_id)
        for name, changed in changes.items():
            samples, ran = [], 0
            for _ in range(repeat):
                seconds, answer = _post(client, "/modeler/api/validate",
                                        {"base_version": base_id, "files": changed})
                assert answer["ok"], answer
                samples.append(seconds)
                ran = sum(1 for s in answer["scenarios"] if not s.get("skipped"))
            out[f"validate_s_{name}"] = round(statistics.median(samples), 2)
            out[f"scenarios_run_{name}"] = ran
        out["validate_s"] = max(out[f"validate_s_{name}"] for name in changes)
        propose_s, answer = _post(client, "/modeler/api/propose", {
            "base_version": base_id, "files": changes["phase_in_date"], "note": "benchmark"})
        assert answer.get("version"), answer
        out["propose_s"] = round(propose_s, 2)
        return out
    finally:
        cleanup()


def main():
    """Parse arguments, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.db, args.repeat)
    if args.json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        print(f"{key:28} {value}")


if __name__ == "__main__":
    main()
