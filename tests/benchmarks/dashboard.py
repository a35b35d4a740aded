"""Benchmark: the full query set of both dashboard views (phase-in and quality) at scale.

Run: python -m tests.benchmarks.dashboard [--pathways 10000] [--db sqlite|postgres] [--json]

Bulk-inserts `pathways` pathways with their history (pathway_run, task_record rows) and open
tasks, spread over all regions and municipalities, 2024 to today; then times, through the
same functions the views call, the phase-in table and curve plus every quality indicator
and the overdue table, unfiltered and for one region (median of `--repeat` rounds); the
quality page's rounded cells are cached while the data is unchanged (cells_cache.py), so the
region is also timed cold, with that cache emptied before each round.
"""
import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

from engine import clock, service
from engine import models as m
from tests import dbutil
from webui import create_app, orgdata
from webui.dashboards import cells_cache, phase_in_data, quality_data
from webui.dashboards import filters as flt
from webui.demo.seed import seed_organisations
from webui.extensions import db

STAGES = ["henvisning", "opstart", "ustabil", "stabil", "ustabil", "stabil", "overgang"]


def _populate(session, total, rng):
    """Insert `total` pathways with runs, task records and open tasks (SQLAlchemy Core)."""
    version = service.latest_version(session)
    munis = list(orgdata.MUNICIPALITIES.items())
    start = datetime(2024, 3, 1, tzinfo=UTC)
    patients, pathways, runs, records, items = [], [], [], [], []
    for n in range(1, total + 1):
        key, (_, _, region) = munis[n % len(munis)]
        t = start + timedelta(days=rng.randint(0, 960), hours=rng.randint(0, 23))
        depth = rng.randint(0, len(STAGES) - 1)
        patients.append(dict(id=n, cpr=f"{4000000000 + n}", name=f"B{n}", sex="K",
                             region=region, municipality=key, created_at=t))
        clock, run_rows = t, []
        for run_no, stage in enumerate(STAGES[:depth], 1):
            end = clock + timedelta(days=rng.randint(5, 60))
            run_rows.append(dict(pathway_id=n, run_no=run_no, stage=stage, version_id=version.id,
                                 started_at=clock, ended_at=end, next_stage=STAGES[run_no],
                                 data={}))
            if stage == "opstart":
                for form in ("audit", "dudit", "koordineret_plan"):
                    records.append(dict(pathway_id=n, run_no=run_no, stage=stage, form_id=form,
                                        kind="task", actor="b", title=form, data={},
                                        at=clock + timedelta(days=rng.randint(1, 40)),
                                        version_id=version.id))
            clock = end
        runs += run_rows
        stage = STAGES[depth]
        pathways.append(dict(
            id=n, patient_id=n, version_id=version.id, status="active", stage=stage, lock_version=1,
            region_org=f"region-{region}", municipality_org=f"kommune-{key}",
            tovholder="t" if depth > 1 else None, group_no=1 + n % 3,
            guarantee_due=(t + timedelta(days=14)).date(), guarantee_breached=False,
            started_at=t, updated_at=clock, run_started_at=clock, run_no=depth))
        items.append(dict(pathway_id=n, patient_id=n, task_id=f"b{n}", task_spec="x", title="x",
                          kind="task", stage=stage, lane=rng.choice(["psykiatri", "kommune"]),
                          org_code=f"region-{region}", due_at=clock + timedelta(days=14),
                          created_at=clock, patient_name=""))
    for model, rows in ((m.Patient, patients), (m.Pathway, pathways), (m.PathwayRun, runs),
                        (m.TaskRecord, records), (m.WorklistItem, items)):
        for i in range(0, len(rows), 5000):
            session.execute(model.__table__.insert(), rows[i:i + 5000])
    session.commit()
    return len(runs), len(records)


def _query_set(today, region=""):
    """Both views' full query set (what one request of each page runs), optionally for a region."""
    filters = flt.Filters(region=region)
    phase_in_data(filters, today)
    quality_data(filters, today)


def _median_ms(repeat, action, clock=time.perf_counter):
    """Median time of `repeat` calls on a clock (wall by default), in ms."""
    timings = []
    for _ in range(repeat):
        began = clock()
        action()
        timings.append((clock() - began) * 1000)
    return round(statistics.median(timings), 1)


def measure(total=10000, db_url=None, repeat=5, seed=1):
    """Seed `total` pathways into a fresh database and time the query set; return figures."""
    url = db_url or "sqlite:///" + tempfile.mkdtemp(prefix="forlob-dash-") + "/bench.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "AUTO_MIGRATE": True, "TESTING": True})
    with app.app_context():
        seed_organisations()
        db.session.commit()
        began = time.perf_counter()
        n_runs, n_records = _populate(db.session, total, random.Random(seed))
        seed_s = time.perf_counter() - began
    today = clock.today()
    with app.test_request_context():
        _query_set(today)  # warm the spec cache and the connection
        unfiltered = _median_ms(repeat, lambda: _query_set(today))
        # CPU time of this process (SQLite runs in it): the wall time on a loaded box is higher
        cpu = _median_ms(repeat, lambda: _query_set(today), time.process_time)
        region = _median_ms(repeat, lambda: _query_set(today, "hovedstaden"))
        # the first request after a change of the data: the rounded cells are counted afresh
        # (webui/dashboards/cells_cache.py), then the region is selected from them
        cold = _median_ms(repeat, lambda: (cells_cache.clear(), _query_set(today, "hovedstaden")))
        cold_cpu = _median_ms(repeat, lambda: (cells_cache.clear(), _query_set(today, "hovedstaden")),
                              time.process_time)
    return {"dashboard_ms": unfiltered, "dashboard_cpu_ms": cpu, "dashboard_region_ms": region,
            "dashboard_region_cold_ms": cold, "dashboard_region_cold_cpu_ms": cold_cpu,
            "pathways": total,
            "pathway_runs": n_runs, "task_records": n_records,
            "dashboard_db": url.split(":", 1)[0], "dashboard_seed_s": round(seed_s, 1)}


def main(argv=None):
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pathways", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = dbutil.measure_on(args.db, lambda url: measure(args.pathways, url, args.repeat))
    print(json.dumps(result) if args.json else "\n".join(f"{k:20} {v}" for k, v in result.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
