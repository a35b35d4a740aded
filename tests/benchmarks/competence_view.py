"""Benchmark: the per-unit competence view with many staff, through the full Flask stack.

    .venv/bin/python -m tests.benchmarks.competence_view [--staff 2000] [--db sqlite|postgres] [--json]

One organisation gets `--staff` accounts with three competencies each (a third due for renewal
within 90 days); an implementation lead requests /kompetencer/enhed/<code> `--repeat` times and
the median and 95th percentile are printed.
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
from datetime import date, timedelta

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


def run(staff, kind, repeat):
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
            seed_staff(staff, date.today())
        client = app.test_client()
        client.post("/login", data={"username": "leder", "password": "demo1234"})
        path = f"/kompetencer/enhed/{ORG}"
        response = client.get(path)
        assert response.status_code == 200, response.status_code
        assert "staff00000" in response.get_data(as_text=True)  # the first page of the staff table
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        return {"db": kind, "staff": staff, "url": path,
                "median_ms": round(statistics.median(times), 1),
                "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1)}
    finally:
        cleanup()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=2000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.staff, args.db, args.repeat)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['db']}: {result['staff']} staff, {result['url']}: "
              f"median {result['median_ms']} ms, p95 {result['p95_ms']} ms")


if __name__ == "__main__":
    main()
