"""Benchmark: contact hours against frames per unit and tier (the quality view's table) at scale.

Run: python -m tests.benchmarks.hours_view [--pathways 10000] [--db sqlite|postgres] [--json]

Bulk-inserts `pathways` pathways (default 500, small for CI; the issue's figure is at 10,000)
spread over four units and the three tiers, each with one to four stays in Ustabil/Stabil and up
to six registered activities per stay (each a task record with minutes, and a stage record for
the run it re-enters, plus the `phase_stay` rows, as the engine writes them). Then times, through the functions the view
calls, the table unfiltered and filtered by tier (median of `--repeat` rounds).
"""
import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta

from engine import models as m
from engine import service
from tests import dbutil
from webui import create_app
from webui.dashboards import filters as flt
from webui.dashboards import hours
from webui.demo.seed import seed_organisations
from webui.extensions import db

UNITS = ("region-hovedstaden", "region-sjaelland", "kommune-koebenhavn", "kommune-odense")
TIERS = ("lav", "moderat", "hoej", None)


def _populate(session, total, rng):
    """Insert `total` pathways with their stage and activity records (SQLAlchemy Core)."""
    version = service.latest_version(session)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    patients, pathways, records, stays = [], [], [], []
    for n in range(1, total + 1):
        t = start + timedelta(days=rng.randint(0, 500))
        patients.append(dict(id=n, cpr=f"{5000000000 + n}", name=f"H{n}", sex="M",
                             region="hovedstaden", municipality="koebenhavn", created_at=t))
        run_no, stage, previous = 2, "ustabil", "opstart"
        for _stay in range(rng.randint(1, 4)):
            if stays and stays[-1]["pathway_id"] == n:
                stays[-1]["ended_at"] = t
            stays.append(dict(pathway_id=n, stage=stage, start_run_no=run_no, version_id=version.id,
                              started_at=t, ended_at=None, minutes=0, contacts=0))
            records.append(dict(pathway_id=n, run_no=run_no, stage=stage, kind="stage", form_id=None,
                                actor="system", title=stage, at=t, version_id=version.id,
                                data={"from": previous, "to": stage, "reason": ""}))
            for _activity in range(rng.randint(0, 6)):
                t += timedelta(days=rng.randint(3, 20))
                minutes = rng.choice((30, 45, 60, 90))
                stays[-1]["minutes"] += minutes
                stays[-1]["contacts"] += 1
                records.append(dict(pathway_id=n, run_no=run_no, stage=stage, kind="task",
                                    form_id=f"{stage}_aktivitet", actor="b", title="Aktivitet",
                                    at=t, version_id=version.id,
                                    data={"activity_type": "behandlingssamtale",
                                          "duration_minutes": minutes,
                                          "contact_form": "fremmoede"}))
                run_no += 1
                records.append(dict(pathway_id=n, run_no=run_no, stage=stage, kind="stage", form_id=None,
                                    actor="system", title=stage, at=t, version_id=version.id,
                                    data={"from": stage, "to": stage, "reason": ""}))
            previous, stage = stage, ("stabil" if stage == "ustabil" else "ustabil")
            run_no += 1
        pathways.append(dict(
            id=n, patient_id=n, version_id=version.id, status="active", stage=previous,
            lock_version=1, region_org="region-hovedstaden", municipality_org="kommune-koebenhavn",
            tovholder_org=UNITS[n % len(UNITS)], complexity_tier=TIERS[n % len(TIERS)],
            group_no=1, started_at=start, updated_at=t, run_started_at=t, run_no=run_no))
    # the stays as the engine keeps them beside the history (engine/runtime/stays.py)
    for model, rows in ((m.Patient, patients), (m.Pathway, pathways), (m.TaskRecord, records),
                        (m.PhaseStay, stays)):
        for i in range(0, len(rows), 5000):
            session.execute(model.__table__.insert(), rows[i:i + 5000])
    session.commit()
    return len(records)


def _view(filters):
    """What the quality view computes for its hours table."""
    return hours.table(hours.compute(filters), lambda key: True, {},
                       {"lav": "Lav", "moderat": "Moderat", "hoej": "Høj"})


def _median_ms(repeat, action, clock=time.perf_counter):
    """Median time of `repeat` calls on a clock (wall by default), in ms."""
    timings = []
    for _ in range(repeat):
        began = clock()
        action()
        timings.append((clock() - began) * 1000)
    return round(statistics.median(timings), 1)


def measure(pathways=500, db_url=None, repeat=5, seed=24):
    """Seed `pathways` pathways into a fresh database and time the hours table; return figures."""
    url = db_url or "sqlite:///" + tempfile.mkdtemp(prefix="forlob-hours-") + "/bench.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "AUTO_MIGRATE": True, "TESTING": True})
    with app.app_context():
        seed_organisations()
        db.session.commit()
        n_records = _populate(db.session, pathways, random.Random(seed))  # noqa: S311
    with app.test_request_context():
        rows = hours.compute(flt.Filters())
        unfiltered = _median_ms(repeat, lambda: _view(flt.Filters()))
        # CPU time of this process (SQLite runs in it): the wall time on a loaded box is higher
        cpu = _median_ms(repeat, lambda: _view(flt.Filters()), time.process_time)
        by_tier = _median_ms(repeat, lambda: _view(flt.Filters(tier="hoej")))
        period = _median_ms(repeat, lambda: _view(flt.Filters(date_from=date(2025, 6, 1),
                                                               date_to=date(2025, 12, 31))))
    return {"hours_ms": unfiltered, "hours_cpu_ms": cpu, "hours_tier_ms": by_tier,
            "hours_period_ms": period, "pathways": pathways,
            "task_records": n_records, "stays": sum(r["stays"] for r in rows),
            "rows": len(rows), "hours_db": url.split(":", 1)[0]}


def main(argv=None):
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pathways", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = dbutil.measure_on(args.db, lambda url: measure(args.pathways, url, args.repeat))
    print(json.dumps(result) if args.json else "\n".join(f"{k:16} {v}" for k, v in result.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
