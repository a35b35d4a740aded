"""Clinicians first (issue 19): clicks under process owners' load, timers under a hostile job.

Run: python -m tests.benchmarks.owner_load [--samples 21] [--budget 0.5] [--json]

1. Clinicians' click p95, quiet ÷ under owner load: 8 owner threads sending 20,000-character
   expression checks (compiled and name-checked against the pathway's names, as
   /modeler/api/expression does for the editor, without its rate limit) and 2 owner threads validating a slow proposal (bpmn/ whose visitation condition
   burns more than a click budget), each over and over, all scenarios at a time, as
   /modeler/api/validate runs them. Measured with the lanes, as the service runs now (owners'
   checks in the owner pool, their scenarios in a child process at nice 19 and SCHED_IDLE, `scenarios.apart`)
   and, side by side, as it was before (owners' checks in the clinicians' pool, scenarios in
   this process, where the workflow engine shares the interpreter lock with the clicks).
   Target with lanes: ratio ≤ 1.5 and 0 failed clinician clicks.
2. `timer_lateness_s` while a hostile migration job (every pathway burns its click budget)
   runs: with the worker's migration lane, and as the old single loop did it (the sweep waits
   for the migration turn). Target: ≤ one sweep interval (the worker's default, 30 s).

Both on SQLite files in a temporary directory (WAL, as tests/benchmarks/hostile.py explains).
"""
import argparse
import json
import os
import resource
import sys
import tempfile
import threading
import time
from datetime import timedelta

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from engine import modeling, service
from engine.db import Base
from engine.errors import EngineError, SandboxViolation
from engine.modeling import read_directory
from engine.sandbox import isolation
from scenarios.apart import run_apart
from scenarios.catalogue import load_all
from scenarios.runner import run_all
from tests.benchmarks.engine import BPMN_DIR, Bench, pick_scenario
from tests.benchmarks.hostile import p95
from tests.integration import migration_helpers as h
from tests.integration.test_migration_budget import slow_target

SWEEP_INTERVAL_S = 30.0  # `flask engine worker --interval` default
CHECK = "x = 1\n" + "y = x + 1\n" * 1990  # about 20,000 characters
SLOW = "sum([len(str(list(range(50)))) for i in range(9999)]) >= 0"  # outlasts a 0.5 s budget
DECISION = "visitation_decision in ('afvist', 'videresendt')"
REQUEST_SCENARIO_SECONDS = 60.0  # webui/modeler/review.py: a validate request's deadline


def _owner_checks(stop, counts, lane, n, known):
    with isolation.lane(lane):
        while not stop.is_set():
            n += 1000
            try:  # unique text each time: the check's cache must not answer for the worker
                modeling.check_expression("script", f"{CHECK}z = {n}", known)
                counts["checks"] += 1
            except SandboxViolation:
                counts["owner_failed"] += 1


def slow_proposal():
    """bpmn/ with a visitation condition that burns more than a click budget in every scenario."""
    files = read_directory(BPMN_DIR)
    text = files["henvisning.bpmn"]
    text = text.decode() if isinstance(text, bytes) else text
    assert DECISION in text
    return {**files, "henvisning.bpmn": text.replace(DECISION, f"({SLOW}) and {DECISION}")}


def _owner_validating(stop, counts, lane, files):
    """An owner validating a slow proposal over and over: every scenario, as the validate
    request runs them (lanes: apart, in a child process; before: here, one by one)."""
    scenarios = load_all()
    with isolation.lane(lane):
        while not stop.is_set():
            if lane == "owner":
                results = run_apart(files, scenarios, REQUEST_SCENARIO_SECONDS, cancel=stop)
            else:
                results = []
                for scenario in scenarios:
                    if stop.is_set():
                        return
                    results += run_all(files, [scenario])
            for result in results:
                if (result["message"] or "").startswith("not run"):
                    continue  # cut short by the end of the series, not a failure
                message = result["message"] or ""
                # over its own budget, or (e.g. its deploy checks) waiting for an owner worker
                # that the flooding owners hold: owners slow owners, never clinicians
                counts["scenarios_failed_on_budget"] += "time limit" in message
                counts["scenarios_failed_other"] += not result["ok"] and "time limit" not in message


def _owners_cpu_s():
    """CPU seconds used so far by this process's child processes other than the clinicians'
    sandbox workers (the owners' workers and scenario processes, with their own workers), the
    living ones from /proc and the reaped ones from getrusage."""
    clinical = {worker.proc.pid for worker in isolation.pool("clinical").live}
    children, ticks = {}, {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        children.setdefault(int(fields[1]), []).append(int(entry))
        ticks[int(entry)] = int(fields[11]) + int(fields[12])  # utime + stime
    total, todo = 0, [pid for pid in children.get(os.getpid(), []) if pid not in clinical]
    while todo:
        pid = todo.pop()
        total += ticks.get(pid, 0)
        todo += children.get(pid, [])
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    return total / os.sysconf("SC_CLK_TCK") + reaped.ru_utime + reaped.ru_stime


def _loaded_clicks(bench, ids, spec, answers, lane):
    stop = threading.Event()
    counts = {"checks": 0, "owner_failed": 0, "scenarios_failed_on_budget": 0,
              "scenarios_failed_other": 0}
    files = slow_proposal()
    known = modeling.known_names(read_directory(BPMN_DIR))  # the editor sends its base version
    threads = [threading.Thread(target=_owner_checks, args=(stop, counts, lane, i, known),
                                daemon=True) for i in range(8)]
    threads += [threading.Thread(target=_owner_validating, args=(stop, counts, lane, files),
                                 daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)  # every owner thread is in its first evaluation
    times, failed = [], 0
    cpu, began = _owners_cpu_s(), time.monotonic()
    for pid in ids:
        try:
            times.append(bench.click(pid, spec, dict(answers)))
        except EngineError:
            bench.session.rollback()
            failed += 1
    # the owners really worked meanwhile: their share of the machine's CPUs during the clicks
    counts["owners_cpu_share"] = (_owners_cpu_s() - cpu) / ((time.monotonic() - began)
                                                          * (os.cpu_count() or 1))
    stop.set()
    for thread in threads:
        thread.join(30)
    return times, failed, counts


def measure_clicks(tmp, samples):
    """Quiet and loaded click p95 (ms), with lanes and with one shared pool."""
    bench = Bench(os.path.join(tmp, "clicks.sqlite"), pick_scenario("fixture"))
    bench.session.execute(text("PRAGMA journal_mode=WAL"))
    bench.session.commit()
    [(spec, answers, _)] = [step for step in bench.scenario["turn"] if step[2]]
    ids = {name: [bench.new_pathway() for _ in range(samples)]
           for name in ("quiet", "lanes", "shared")}
    quiet = [bench.click(pid, spec, dict(answers)) for pid in ids["quiet"]]
    result = {"click_samples": samples, "quiet_click_p95_ms": round(p95(quiet), 2)}
    for name, lane in (("lanes", "owner"), ("shared", "clinical")):
        times, failed, counts = _loaded_clicks(bench, ids[name], spec, answers, lane)
        result[f"{name}_click_p95_ms"] = round(p95(times), 2) if times else None
        result[f"{name}_click_p95_ratio"] = round(p95(times) / p95(quiet), 2) if times else None
        result[f"{name}_failed_clinician_clicks"] = failed
        result[f"{name}_owner_checks_done"] = counts["checks"]
        result[f"{name}_owner_checks_failed"] = counts["owner_failed"]
        if lane == "owner":  # (in the one shared pool the owners' checks use clinicians' workers)
            result[f"{name}_owner_processes_cpu_share"] = round(counts["owners_cpu_share"], 2)
        result[f"{name}_owner_scenarios_failed_on_budget"] = counts["scenarios_failed_on_budget"]
        result[f"{name}_owner_scenarios_failed_other"] = counts["scenarios_failed_other"]
    bench.session.close()
    return result


def _timer_db(tmp, name, hostile):
    engine = create_engine(f"sqlite:///{os.path.join(tmp, name)}")
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        s.execute(text("PRAGMA journal_mode=WAL"))
        h.deploy(s)
        ids = [h.mid_stage(s, n).id for n in range(1, hostile + 1)]
        h.mid_stage(s, hostile + 1)  # not in the job: its DUDIT deadline timer is what is due
        target = h.deploy(s, slow_target(9999))  # the largest range() allowed
        modeling.create_job(s, target.id, "ejer", pathway_ids=ids)
        s.commit()
    return engine


def _sweep(engine):
    with Session(engine) as s:
        fired = service.tick(s, now=h.T0 + timedelta(days=15), limit=50)
        s.commit()
    return fired


def measure_timers(tmp, hostile):
    """Seconds from a sweep's due time to its timers fired, while a hostile job runs."""
    # the migration lane: the job runs in its own thread; the sweep starts when due
    engine = _timer_db(tmp, "lanes.sqlite", hostile)
    stop = threading.Event()

    def lane():
        modeling.lower_thread_priority()  # as the worker's migration lane does
        with Session(engine) as s:
            while not stop.is_set() and modeling.run_batch(s, s.commit, until=time.monotonic() + 5):
                pass
    worker = threading.Thread(target=lane, daemon=True)
    worker.start()
    time.sleep(0.3)  # the job is in its first pathway
    due = time.monotonic()
    fired = _sweep(engine)
    lanes = time.monotonic() - due
    worker.join(120)
    # the old single loop: a sweep that falls due during the migration turn waits for it
    engine = _timer_db(tmp, "single.sqlite", hostile)
    due = time.monotonic()
    with Session(engine) as s:
        modeling.run_batch(s, s.commit, until=time.monotonic() + 20)  # MIGRATION_SECONDS
    fired_single = _sweep(engine)
    single = time.monotonic() - due
    return {"hostile_job_pathways": hostile, "timers_fired": [fired, fired_single],
            "timer_lateness_s": round(lanes, 3), "timer_lateness_s_single_loop": round(single, 3),
            "sweep_interval_s": SWEEP_INTERVAL_S}


def run(samples, budget, hostile):
    """Every figure of this benchmark."""
    isolation.configure(click_budget_s=budget)
    with tempfile.TemporaryDirectory(prefix="forlob-owner-load-") as tmp:
        result = {"click_budget_s": budget, "clinical_workers": isolation.SETTINGS["workers"],
                  "owner_workers": isolation.SETTINGS["owner_workers"]}
        result.update(measure_clicks(tmp, samples))
        result.update(measure_timers(tmp, hostile))
    result["confinement"] = isolation.confinement()
    return result


def main(argv=None):
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--samples", type=int, default=21, help="clicks per series")
    parser.add_argument("--budget", type=float, default=0.5, help="click budget, seconds")
    parser.add_argument("--hostile", type=int, default=4, help="pathways in the hostile job")
    args = parser.parse_args(argv)
    result = run(args.samples, args.budget, args.hostile)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:36} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
