"""Benchmark: a clinician's click (submit a task, then render the page it lands on), fresh vs aged.

    .venv/bin/python -m tests.benchmarks.page_click [--transitions 1000] [--db sqlite|postgres]
        [--repeat 21] [--json]

Through the whole Flask app with the test client, logged in as a regional clinician: POST the
Ustabil activity form (a recurring activity: the stage runs again), follow the redirect to the
patient page, and stop the clock when its HTML has arrived. Measured on a pathway that has
just reached Ustabil and on one aged by `--transitions` Ustabil⇄Stabil changes (each visit
with one activity registration too). Prints the medians and their ratio (target ≤ 1.5).
"""
import argparse
import json
import os
import statistics
import tempfile
import time

from engine.models import Pathway
from tests.benchmarks.worklist_web import _database
from tests.conftest import make_test_config
from tests.web import pathway_setup as setup
from tests.web.aging import age, form_post, to_ustabil
from webui import create_app
from webui.demo.seed import seed_organisations, seed_users
from webui.extensions import db


def _click(client, db, pathway_id, patient_id):
    """One measured click; returns (milliseconds, bytes of the patient page)."""
    db.session.expire_all()
    item = setup.item_for(pathway_id, "ustabil_aktivitet")
    lock = db.session.get(Pathway, pathway_id).lock_version
    data = form_post("ustabil_aktivitet", lock)
    db.session.rollback()
    t0 = time.perf_counter()
    posted = client.post(f"/forloeb/{pathway_id}/opgaver/{item.task_id}", data=data)
    page = client.get(posted.headers["Location"])
    elapsed = (time.perf_counter() - t0) * 1000
    assert posted.status_code == 302 and page.status_code == 200, (posted.status_code,
                                                                    page.status_code)
    assert f"/patienter/{patient_id}" in posted.headers["Location"]
    return elapsed, len(page.data)


def run(transitions, kind, repeat):
    """Build a fresh and an aged pathway, then time `repeat` clicks on each; return figures."""
    os.environ.setdefault("FORLOB_INSTANCE_PATH", tempfile.mkdtemp(prefix="forlob-instance-"))
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    url, cleanup = _database(kind)
    try:
        create_app({"SQLALCHEMY_DATABASE_URI": url, "AUTO_MIGRATE": True, "TESTING": True})
        app = create_app(make_test_config(url))
        with app.app_context():
            seed_organisations()
            seed_users()
            db.session.commit()
            fresh = to_ustabil(cpr="0101901235", name="Frida Frisk")
            aged = to_ustabil(cpr="0202802468", name="Arne Aldren")
            started = time.perf_counter()
            age(aged.id, transitions)
            aging_s = time.perf_counter() - started
            ids = {"fresh": (fresh.id, fresh.patient_id), "aged": (aged.id, aged.patient_id)}
            client = app.test_client()
            client.post("/login", data={"username": "psyk.kbh", "password": "demo1234"})
            samples, sizes = {"fresh": [], "aged": []}, {}
            for which in ("fresh", "aged"):
                _click(client, db, *ids[which])        # warm-up
            for _ in range(repeat):                     # interleaved: same machine load
                for which in ("fresh", "aged"):
                    ms, size = _click(client, db, *ids[which])
                    samples[which].append(ms)
                    sizes[which] = size
        fresh_ms = statistics.median(samples["fresh"])
        aged_ms = statistics.median(samples["aged"])
        return {"db": kind, "transitions": transitions, "repeat": repeat,
                "aging_seconds": round(aging_s, 1),
                "page_click_ms_fresh": round(fresh_ms, 1), "page_click_ms_aged": round(aged_ms, 1),
                "page_click_ratio": round(aged_ms / fresh_ms, 2),
                "page_bytes_fresh": sizes["fresh"], "page_bytes_aged": sizes["aged"]}
    finally:
        cleanup()


def main():
    """Parse arguments, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transitions", type=int, default=1000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.transitions, args.db, args.repeat)
    if args.json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        print(f"{key:22} {value}")


if __name__ == "__main__":
    main()
