"""Benchmark: the per-unit competence view with many staff, through the full Flask stack.

    .venv/bin/python -m tests.benchmarks.competence_view [--staff 2000] [--pathways 10000]
        [--db sqlite|postgres] [--json]

One organisation gets `--staff` accounts with three competencies each (a third due for renewal
within 90 days) and `--pathways` active pathways (default 1,000, small for CI; the issue's figure
is at 10,000) with three open tasks each, a third of them needing KAT or DAT (need against
coverage); an implementation lead requests /kompetencer/enhed/<code> `--repeat` times and the
median and 95th percentile are printed.
"""
import argparse
import atexit
import json
import os
import random
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta

from engine import clock, service
from engine import models as m
from tests.benchmarks.worklist_web import _database
from tests.conftest import make_test_config
from webui import create_app
from webui.competencies.models import LEVELS, METHODS, StaffCompetence
from webui.demo.seed import seed_organisations, seed_users
from webui.extensions import db
from webui.models import User

ORG = "region-hovedstaden"


def seed_staff(count, today):
    """`count` staff in ORG with three competencies each (bulk inserts, no password hashing)."""
    rng = random.Random(24)  # noqa: S311  (reproducible benchmark data)
    db.session.execute(db.insert(User), [
        {"username": f"staff{i:05d}", "full_name": f"Medarbejder {i:05d}", "password_hash": "x",
         "organisation_code": ORG, "roles_csv": "regional_clinician", "active": True}
        for i in range(count)])
    ids = db.session.scalars(db.select(User.id).where(User.username.like("staff%"))).all()
    methods, levels = list(METHODS), list(LEVELS)
    db.session.execute(db.insert(StaffCompetence), [
        {"user_id": uid, "method": method, "level": rng.choice(levels),
         "certified_on": today - timedelta(days=rng.randint(30, 2000)),
         "renewal_due": today + timedelta(days=rng.randint(-30, 270)), "recorded_by": "bench"}
        for uid in ids for method in rng.sample(methods, 3)])
    db.session.commit()


def seed_pathways(count, today):
    """`count` active pathways of ORG's patients with open tasks, some needing KAT or DAT."""
    version = service.latest_version(db.session)
    now = datetime.now(UTC)
    stages = ("opstart", "ustabil", "stabil")
    needs = {"opstart": "pharmacology", "ustabil": "dat", "stabil": "kat"}
    db.session.execute(db.insert(m.Patient), [
        {"id": n, "cpr": f"{6000000000 + n}", "name": f"P{n}", "sex": "K", "region": "hovedstaden",
         "municipality": "koebenhavn", "created_at": now} for n in range(1, count + 1)])
    db.session.execute(db.insert(m.Pathway), [
        {"id": n, "patient_id": n, "version_id": version.id, "status": "active",
         "stage": stages[n % 3], "lock_version": 1, "region_org": ORG,
         "municipality_org": "kommune-koebenhavn", "tovholder_org": ORG, "group_no": 1,
         "started_at": now, "updated_at": now, "run_no": 1} for n in range(1, count + 1)])
    db.session.execute(db.insert(m.WorklistItem), [
        {"pathway_id": n, "patient_id": n, "task_id": f"t{n}-{k}", "task_spec": "x", "title": "x",
         "kind": "task", "stage": stages[n % 3], "lane": "psykiatri", "org_code": ORG,
         "due_at": now + timedelta(days=k), "created_at": now, "patient_name": "",
         "competence": needs[stages[n % 3]] if k == 0 else None}
        for n in range(1, count + 1) for k in range(3)])
    db.session.commit()


def run(staff, kind, repeat, pathways=1000):
    """Seed, then time the unit view; return a result dict."""
    if "FORLOB_INSTANCE_PATH" not in os.environ:
        instance = tempfile.mkdtemp(prefix="forlob-instance-")
        atexit.register(shutil.rmtree, instance, ignore_errors=True)
        os.environ["FORLOB_INSTANCE_PATH"] = instance
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    url, cleanup = _database(kind)
    try:
        create_app({"SQLALCHEMY_DATABASE_URI": url, "AUTO_MIGRATE": True, "TESTING": True})
        app = create_app(make_test_config(url, DEPLOY_ON_START=False))
        with app.app_context():
            seed_organisations()
            seed_users()
            db.session.commit()
            seed_staff(staff, clock.today())
            seed_pathways(pathways, clock.today())
        client = app.test_client()
        client.post("/login", data={"username": "leder", "password": "demo1234"})
        path = f"/kompetencer/enhed/{ORG}"
        response = client.get(path)
        assert response.status_code == 200, response.status_code
        body = response.get_data(as_text=True)
        assert "staff00000" in body  # the first page of the staff table
        assert 'id="need"' in body   # need against coverage
        times, cpu = [], []
        for _ in range(repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            # CPU of this process (SQLite runs in it): wall time on a loaded box is higher
            cpu.append((time.process_time() - started_cpu) * 1000)
        times.sort()
        return {"db": kind, "staff": staff, "pathways": pathways, "url": path,
                "median_ms": round(statistics.median(times), 1),
                "cpu_median_ms": round(statistics.median(cpu), 1),
                "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1)}
    finally:
        cleanup()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=2000)
    parser.add_argument("--pathways", type=int, default=1000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.staff, args.db, args.repeat, args.pathways)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['db']}: {result['staff']} staff, {result['pathways']} pathways, {result['url']}: "
              f"median {result['median_ms']} ms, p95 {result['p95_ms']} ms, "
              f"CPU median {result['cpu_median_ms']} ms")


if __name__ == "__main__":
    main()
