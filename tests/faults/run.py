"""Fault tests on the production layout (PostgreSQL, gunicorn, timer workers), bounded in time.

    .venv/bin/python -m tests.faults.run all            # full counts (200 web kills, 50 timer kills)
    .venv/bin/python -m tests.faults.run all --short    # CI's version (fewer kills, same checks)
    .venv/bin/python -m tests.faults.run web-kill       # one scenario: web-kill, timer-kill,
                                                        # two-timers, pg-restart, backup,
                                                        # draft-race
Prints one JSON report per scenario and exits non-zero when any check fails.
"""
import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from engine.runtime.heartbeat import WorkerHeartbeat
from tests.faults import timers
from tests.faults.drafts import draft_race
from tests.faults.driver import start_clickers, stop_clickers
from tests.faults.tools import beat_after, plain_url, step_all, timer_worker, until_serving
from tests.load import harness
from tests.load.seed import seed
from tests.load.verify import check_pathways, verify
from webui.extensions import db

COUNTS = {"full": {"web_kills": 200, "timer_kills": 50, "pathways": 200, "timer_pathways": 300,
                   "two_timer_pathways": 200, "load_seconds": 20, "draft_races": 100},
          "short": {"web_kills": 10, "timer_kills": 5, "pathways": 40, "timer_pathways": 40,
                    "two_timer_pathways": 30, "load_seconds": 6, "draft_races": 15}}


def web_kill(counts, workdir):
    """kill -9 a gunicorn worker at random moments while clinicians submit."""
    database = harness.Database()
    try:
        app = harness.app_for(database.url)
        seed(app, counts["pathways"])
        since = datetime.now(UTC)
        server = harness.Server(database.url, web_workers=3, log_path=workdir / "web-kill.log")
        try:
            server.wait_ready()
            outcomes = workdir / "web-kill.jsonl"
            submitting = threading.Event()
            threads, stop = start_clickers(server.url, outcomes, count=6, think=0.0,
                                           submitting=submitting)
            kills = 0
            while kills < counts["web_kills"]:
                # at a random moment of a submit: just after one went on the wire
                submitting.clear()
                if not submitting.wait(timeout=30):
                    break
                time.sleep(random.uniform(0.0, 0.05))
                pids = server.web_worker_pids()
                if pids:
                    try:
                        os.kill(random.choice(pids), signal.SIGKILL)
                        kills += 1
                    except ProcessLookupError:
                        pass
                until_serving(server)
            time.sleep(2)
            submits, errors = stop_clickers(threads, stop)
            server.wait_ready(timeout=60)
        finally:
            server.stop()
        report = verify(app, outcomes, since)
        report.update(kills=kills, submits_sent=submits, client_errors=errors)
        report["ok"] = report["ok"] and kills == counts["web_kills"]
        return report
    finally:
        database.drop()


def timer_kill(counts, workdir):
    """kill -9 the timer worker during sweeps; in the end every due timer fired exactly once."""
    database = harness.Database()
    try:
        app = harness.app_for(database.url)
        now = timers.seed_due(app, counts["timer_pathways"])
        due = timers.due_count(app, now)
        log = open(workdir / "timer-kill.log", "ab")
        kills = during_sweep = 0
        while kills < counts["timer_kills"]:
            worker = timer_worker(database.url, 4, log)
            line = worker.stdout.readline()  # the first sweep that fired something
            if "fired" in line:
                during_sweep += 1
            time.sleep(random.uniform(0.0, 0.05))  # within the next sweep or two
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            kills += 1
            if "fired" not in line:
                break  # nothing left to fire
        worker = timer_worker(database.url, 50, log)  # a last clean worker finishes the rest
        deadline = time.monotonic() + 120
        while timers.due_count(app, now) and time.monotonic() < deadline:
            time.sleep(0.5)
        worker.send_signal(signal.SIGTERM)
        clean_exit = worker.wait(timeout=30)
        report = timers.check_fired_once(app, now, due)
        report.update(kills=kills, kills_while_firing=during_sweep,
                      sigterm_exit_code=clean_exit)
        report["ok"] = report["ok"] and clean_exit == 0 and kills == counts["timer_kills"]
        return report
    finally:
        database.drop()


def two_timers(counts, workdir):
    """Two timer workers sweep the same due pathways at once (SKIP LOCKED): none fires twice."""
    database = harness.Database()
    try:
        app = harness.app_for(database.url)
        now = timers.seed_due(app, counts["two_timer_pathways"])
        due = timers.due_count(app, now)
        log = open(workdir / "two-timers.log", "ab")
        _shift_due(app, "+")  # hold the timers back until both workers are sweeping
        workers = [timer_worker(database.url, 5, log) for _ in range(2)]
        _wait_for_heartbeats(app, 2)
        _shift_due(app, "-")
        deadline = time.monotonic() + 180
        while timers.due_count(app, now) and time.monotonic() < deadline:
            time.sleep(0.5)
        fired_by = []
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
            out, _ = worker.communicate(timeout=30)
            fired_by.append(sum(int(line.split()[0]) for line in out.splitlines() if "fired" in line))
        report = timers.check_fired_once(app, now, due)
        report["fired_per_worker"] = fired_by
        report["ok"] = report["ok"] and all(fired_by)  # both really took part
        return report
    finally:
        database.drop()


def _shift_due(app, sign):
    """Move every next_due_at a century later (+) or back again (-)."""
    with app.app_context():
        db.session.execute(db.text(
            f"UPDATE pathway SET next_due_at = next_due_at {sign} interval '100 years' "
            "WHERE next_due_at IS NOT NULL"))
        db.session.commit()
        db.session.remove()


def _wait_for_heartbeats(app, count, timeout=60):
    """Wait until `count` timer workers have written a heartbeat."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.app_context():
            seen = db.session.scalar(db.select(db.func.count()).select_from(WorkerHeartbeat))
            db.session.remove()
        if seen >= count:
            return
        time.sleep(0.2)


def pg_restart(counts, workdir):
    """Restart PostgreSQL under load (a private cluster); the layout recovers by itself."""
    cluster = harness.ThrowawayPostgres()
    try:
        database = harness.Database(admin_url=cluster.admin_url)
        app = harness.app_for(database.url)
        seed(app, counts["pathways"])
        since = datetime.now(UTC)
        server = harness.Server(database.url, web_workers=3, timer_interval=2,
                                log_path=workdir / "pg-restart.log")
        try:
            server.wait_ready()
            outcomes = workdir / "pg-restart.jsonl"
            threads, stop = start_clickers(server.url, outcomes, count=6, think=0.02)
            time.sleep(counts["load_seconds"] / 2)
            cluster.restart(down_seconds=3)
            restarted, restart_wall = time.monotonic(), datetime.now(UTC)
            ready_after = None
            while time.monotonic() - restarted < 90:
                if server.get("/readyz")[0] == 200:
                    ready_after = round(time.monotonic() - restarted, 1)
                    break
                time.sleep(0.5)
            beat_seen = beat_after(app, restart_wall)
            time.sleep(counts["load_seconds"] / 2)
            submits, errors = stop_clickers(threads, stop)
            layout_alive = server.proc.poll() is None
        finally:
            server.stop()
        report = verify(app, outcomes, since)
        with app.app_context():
            db.engine.dispose()
        with app.app_context():
            workers = db.session.scalar(db.select(db.func.count()).select_from(WorkerHeartbeat))
        log = (workdir / "pg-restart.log").read_text(errors="replace")
        report.update(ready_again_after_s=ready_after,
                      web_workers_started=log.count('"Booting worker'),  # 3: none replaced
                      layout_alive=layout_alive, submits_sent=submits, client_errors=errors,
                      timer_worker_beat_after_restart=beat_seen, timer_worker_processes=workers,
                      worker_backoff_lines=log.count("database unavailable; retrying"))
        # the same timer-worker process beat again after the restart: it did not crash
        report["ok"] = (report["ok"] and ready_after is not None and layout_alive
                        and beat_seen and workers == 1)
        database.drop()
        return report
    finally:
        cluster.destroy()


def backup(counts, workdir):
    """pg_dump during load; restore into a fresh database where every pathway loads and steps."""
    database = harness.Database()
    restored = None
    try:
        app = harness.app_for(database.url)
        seed(app, counts["pathways"])
        server = harness.Server(database.url, web_workers=3, log_path=workdir / "backup.log")
        dump = workdir / "forlob.dump"
        try:
            server.wait_ready()
            threads, stop = start_clickers(server.url, workdir / "backup.jsonl", count=6)
            time.sleep(counts["load_seconds"] / 2)
            started = time.monotonic()
            subprocess.run([str(harness.PG_BIN / "pg_dump"), "-Fc", "-f", str(dump),
                            "-d", plain_url(database.url)], check=True)
            dump_s = round(time.monotonic() - started, 2)
            time.sleep(counts["load_seconds"] / 2)
            submits, _ = stop_clickers(threads, stop)
        finally:
            server.stop()
        restored = harness.Database(prefix="forlob_restore")
        started = time.monotonic()
        subprocess.run([str(harness.PG_BIN / "pg_restore"), "--no-owner", "-d",
                        plain_url(restored.url), str(dump)], check=True)
        restore_s = round(time.monotonic() - started, 2)
        restored_app = harness.app_for(restored.url)
        with restored_app.app_context():
            report = check_pathways(db.session)
            db.session.remove()
        report.update(step_all(restored_app))
        report.update(dump_s=dump_s, restore_s=restore_s, dump_bytes=dump.stat().st_size,
                      submits_during_load=submits)
        report["ok"] = not (report["load_failures"] or report["projection_mismatches"]
                            or report["step_failures"]) and report["stepped"] == report["active"]
        with restored_app.app_context():
            db.engine.dispose()
        return report
    finally:
        database.drop()
        if restored is not None:
            restored.drop()


SCENARIOS = {"web-kill": web_kill, "timer-kill": timer_kill, "two-timers": two_timers,
             "pg-restart": pg_restart, "backup": backup, "draft-race": draft_race}


def main(argv=None):
    """Run the chosen scenarios and print their reports."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", choices=["all", *SCENARIOS])
    parser.add_argument("--short", action="store_true", help="CI counts")
    args = parser.parse_args(argv)
    counts = COUNTS["short" if args.short else "full"]
    workdir = Path(tempfile.mkdtemp(prefix="forlob-faults-"))
    names = list(SCENARIOS) if args.scenario == "all" else [args.scenario]
    failed = False
    for name in names:
        started = time.monotonic()
        report = SCENARIOS[name](counts, workdir)
        report = {"scenario": name, "seconds": round(time.monotonic() - started, 1), **report}
        print(json.dumps(report, default=str), flush=True)
        failed |= not report["ok"]
    print(json.dumps({"all_ok": not failed, "workdir": str(workdir)}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
