"""Benchmark: worklist page times through the full Flask stack with many pathways.

    .venv/bin/python -m tests.benchmarks.worklist_web [--pathways 10000] [--db sqlite|postgres] [--json]

Rows are bulk-inserted (tests/web/bulk.py); each URL is requested `--repeat` times by a
logged-in tovholder of Region Hovedstaden and the median and 95th percentile are printed.
"""
import argparse
import atexit
import json
import os
import shutil
import statistics
import tempfile
import time

from tests import dbutil
from tests.conftest import make_test_config
from tests.web.bulk import seed_pathways
from webui import create_app
from webui.demo.seed import seed_organisations, seed_users
from webui.extensions import db

URLS = ["/", "/?page=50", "/?overdue=1", "/?mine=1", "/?unassigned=1&lane=psykiatri",
        "/?waiting=1", "/?phase=stabil"]


def _database(kind):
    """A fresh database URL (and a cleanup) for the run."""
    if kind == "postgres":
        url, schema = dbutil.create_postgres_schema()
        return url, lambda: dbutil.drop_postgres_schema(schema)
    folder = tempfile.mkdtemp(prefix="forlob-bench-")
    return ("sqlite:///" + os.path.join(folder, "bench.sqlite"),
            lambda: shutil.rmtree(folder, ignore_errors=True))


def run(pathways, kind, repeat):
    """Seed, then time each worklist URL; return a result dict."""
    if "FORLOB_INSTANCE_PATH" not in os.environ:
        instance = tempfile.mkdtemp(prefix="forlob-instance-")
        atexit.register(shutil.rmtree, instance, ignore_errors=True)
        os.environ["FORLOB_INSTANCE_PATH"] = instance
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    url, cleanup = _database(kind)
    try:
        create_app({"SQLALCHEMY_DATABASE_URI": url, "AUTO_MIGRATE": True, "TESTING": True})
        app = create_app(make_test_config(url))
        with app.app_context():
            seed_organisations()
            seed_users()
            db.session.commit()
            started = time.perf_counter()
            seed_pathways(db.session, pathways)
            seed_seconds = time.perf_counter() - started
        client = app.test_client()
        client.post("/login", data={"username": "tovholder.kbh", "password": "demo1234"})
        timings = {}
        for path in URLS:
            client.get(path)
            samples = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                assert client.get(path).status_code == 200
                samples.append((time.perf_counter() - t0) * 1000)
            samples.sort()
            timings[path] = {"median_ms": round(statistics.median(samples), 1),
                             "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 1)}
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        return {"db": kind, "pathways": pathways, "worklist_rows": pathways * 3,
                "seed_seconds": round(seed_seconds, 2), "pages": timings}
    finally:
        cleanup()


def main():
    """Parse arguments, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pathways", type=int, default=10_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.pathways, args.db, args.repeat)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"worklist page, {result['pathways']} pathways ({result['worklist_rows']} rows), "
          f"{result['db']}; bulk seed {result['seed_seconds']} s")
    print(f"{'URL':<34}{'median ms':>10}{'p95 ms':>10}")
    for path, t in result["pages"].items():
        print(f"{path:<34}{t['median_ms']:>10}{t['p95_ms']:>10}")


if __name__ == "__main__":
    main()
