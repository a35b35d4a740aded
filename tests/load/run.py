"""The load test: production layout on PostgreSQL, Locust headless, then a database check.

    .venv/bin/python -m tests.load.run                      # full: 50 and 200 users, 90 s each
    .venv/bin/python -m tests.load.run --users 20 --seconds 15 --pathways 120   # CI's short run

Prints one JSON report: per user level the throughput, p50/p95/p99 per route and the error
rate; then the database check (every acknowledged submit stored once, every pathway loads,
projection = state). Exits non-zero when the check fails or a --max-p95/--max-errors target
is missed for the first user level.
"""
import argparse
import csv
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from tests.load import harness
from tests.load.seed import seed
from tests.load.verify import verify


def read_stats(prefix) -> dict:
    """Per-route figures from Locust's stats CSV."""
    routes = {}
    with open(f"{prefix}_stats.csv") as handle:
        for row in csv.DictReader(handle):
            count = int(row["Request Count"])
            if not count:  # e.g. the login rows, reset once everyone is logged in
                continue
            routes[row["Name"]] = {
                "requests": count, "failures": int(row["Failure Count"]),
                "rps": round(float(row["Requests/s"]), 2),
                "p50_ms": float(row["50%"] or 0), "p95_ms": float(row["95%"] or 0),
                "p99_ms": float(row["99%"] or 0)}
    return routes


def run_level(server, database_name, users, seconds, workdir, outcomes, think):
    """One Locust run; returns its figures."""
    prefix = workdir / f"u{users}"
    load_before = os.getloadavg()[0]
    cpu = []
    harness.run_locust(server.url, users, seconds, outcomes, prefix, think=think,
                       on_measuring=lambda: cpu.append(
                           harness.cpu_seconds(server.proc.pid, database_name)))
    cpu_used = harness.cpu_seconds(server.proc.pid, database_name) - cpu[0]
    load_after = os.getloadavg()[0]  # the machine is shared: say how busy it was
    routes = read_stats(prefix)
    total = routes.pop("Aggregated")
    return {"users": users, "seconds": seconds, "throughput_rps": total["rps"],
            "requests": total["requests"], "failures": total["failures"],
            "error_rate": round(total["failures"] / max(1, total["requests"]), 5),
            "p50_ms": total["p50_ms"], "p95_ms": total["p95_ms"], "p99_ms": total["p99_ms"],
            "loadavg_1min_before_after": [round(load_before, 1), round(load_after, 1)],
            # server CPU (gunicorn, timer worker, PostgreSQL backends) from about when the
            # logins are done: a figure that does not depend on how busy the machine was
            "server_cpu_s": round(cpu_used, 1),
            "server_cpu_ms_per_request": round(1000 * cpu_used / max(1, total["requests"]), 1),
            "routes": routes}


def main(argv=None):
    """Run the load test and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", default="50,200", help="comma-separated user levels")
    parser.add_argument("--seconds", type=int, default=90, help="duration of each level")
    parser.add_argument("--pathways", type=int, default=400, help="pathways seeded first")
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--think", default="2,8", help="think time between a user's actions (s)")
    parser.add_argument("--max-p95", type=float, default=None, help="target for the first level")
    parser.add_argument("--max-errors", type=int, default=None, help="target for the first level")
    args = parser.parse_args(argv)
    think = tuple(float(x) for x in args.think.split(","))
    workdir = Path(tempfile.mkdtemp(prefix="forlob-load-"))
    database = harness.Database()
    server = None
    report = {"database": "PostgreSQL (fresh database)", "cpus": os.cpu_count(), "web_workers": args.web_workers,
              "threads": args.threads, "think_s": think, "levels": []}
    try:
        app = harness.app_for(database.url)
        started = time.monotonic()
        seed(app, args.pathways)
        report["seeded_pathways"] = args.pathways
        report["seed_s"] = round(time.monotonic() - started, 1)
        since = datetime.now(UTC)
        server = harness.Server(database.url, web_workers=args.web_workers, threads=args.threads,
                                log_path=workdir / "serve.log")
        server.wait_ready()
        outcomes = workdir / "outcomes.jsonl"
        for users in [int(u) for u in args.users.split(",")]:
            report["levels"].append(run_level(server, database.name, users, args.seconds, workdir, outcomes, think))
        metrics = server.metrics()
        report["metrics_sample"] = [line for line in metrics.splitlines()
                                    if line.startswith(("forlob_conflicts_total",
                                                        "forlob_timers_due",
                                                        "forlob_worker_heartbeat_age"))]
        server.stop()
        server = None
        started = time.monotonic()
        report["check"] = verify(app, outcomes, since)
        report["check_s"] = round(time.monotonic() - started, 1)
    finally:
        if server is not None:
            server.stop()
        database.drop()
    report["workdir"] = str(workdir)
    print(json.dumps(report, indent=2))
    first = report["levels"][0] if report["levels"] else {}
    failed = not report.get("check", {}).get("ok")
    if args.max_p95 is not None and first.get("p95_ms", 1e9) > args.max_p95:
        failed = True
    if args.max_errors is not None and first.get("failures", 1e9) > args.max_errors:
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
