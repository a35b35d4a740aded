"""Benchmark: wall time of a background validation job (all scenarios), one vs parallel workers.

    .venv/bin/python -m tests.benchmarks.validation_job [--workers 1,2] [--json]

Through the Flask app on SQLite: a process owner queues a validation of a one-element change
(a phase-in date of Region Sjælland, group 3) with POST /modeler/api/validation-jobs, and the
timer worker's owner lane runs it (`validation_jobs.run_pending`, as `flask engine worker` does)
with the owner lane's sandbox pool sized 1, 2, … workers (FORLOB_SANDBOX_OWNER_WORKERS).
Prints, per size, the job's wall time and how many scenarios it ran. The first size also pays
for starting the sandbox workers; `--warm` runs one job before measuring.
"""
import argparse
import json
import os
import tempfile
import time

from sqlalchemy import select

from engine.models import DefinitionVersion
from engine.sandbox import isolation
from tests.benchmarks.modeler import _changes
from tests.benchmarks.worklist_web import _database
from tests.conftest import make_test_config
from tests.web.pathway_setup import ensure_deployed
from webui import create_app
from webui.demo.seed import seed_organisations, seed_users
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


def run(sizes, warm):
    """Deploy, then time one validation job per pool size; return figures."""
    os.environ.setdefault("FORLOB_INSTANCE_PATH", tempfile.mkdtemp(prefix="forlob-instance-"))
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    url, cleanup = _database("sqlite")
    previous = isolation.SETTINGS["owner_workers"]
    try:
        create_app({"SQLALCHEMY_DATABASE_URI": url, "AUTO_MIGRATE": True, "TESTING": True})
        app = create_app(make_test_config(url))
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
        changed = _changes(files)["phase_in_date"]
        out: dict = {}
        if warm:
            isolation.configure(owner_workers=max(sizes))
            _one_job(app, client, base_id, changed)
        for size in sizes:
            isolation.configure(owner_workers=size)
            seconds, job = _one_job(app, client, base_id, changed)
            assert job["status"] == "done" and job["ok"], job
            out[f"wall_s_workers_{size}"] = round(seconds, 2)
            out["scenarios"] = job["total"]
        return out
    finally:
        isolation.configure(owner_workers=previous)
        cleanup()


def main():
    """Parse arguments, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--warm", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run([int(n) for n in args.workers.split(",")], args.warm)
    if args.json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        print(f"{key:24} {value}")


if __name__ == "__main__":
    main()
