"""Normal clicks while hostile pathways are stepped at the same time (issue 8).

`measure(bench)` is called by tests/benchmarks/engine.py after its other figures. It walks
fresh pathways to their measured click first (quiet, nothing else running), deploys a hostile
version whose pathways hold a sandbox worker for the whole click budget with a comparison
that runs in C (`l.count(b)` over two 2**64-leaf structures), and then measures the same
click again on other fresh pathways while `threads` threads keep completing hostile tasks.
Each hostile click fails with SandboxViolation at the budget; nothing of it is saved.

The SQLite file is switched to WAL first (for both halves): in SQLite's default rollback
journal a reader's open transaction (the hostile click's) blocks every other commit, which
would measure SQLite's locking rather than the sandbox. PostgreSQL has no such effect.
"""
import statistics
import threading
import time

from sqlalchemy import text
from sqlalchemy.orm import Session

from engine import service
from engine.errors import SandboxViolation
from engine.sandbox import isolation
from tests.fixtures import hostile

ATTACK = ("a = [0]\nb = [0]\nfor i in range(64):\n    n = []\n    n.append(a)\n    n.append(a)\n"
          "    a = n\n    m = []\n    m.append(b)\n    m.append(b)\n    b = m\nl = []\n"
          "l.append(a)\nx = l.count(b)")


def p95(values):
    """The 95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def _hostile_loop(engine, pathway_ids, stop, counts):
    with Session(engine) as session:
        while not stop.is_set():
            for pathway_id in pathway_ids:
                item = service.ready_tasks(session, pathway_id)[0]
                started = time.perf_counter()
                try:
                    service.complete_task(session, pathway_id, item.task_id, {}, "attacker")
                    counts["completed"] += 1  # must not happen
                except SandboxViolation:
                    counts["violations"] += 1
                    counts["seconds"].append(time.perf_counter() - started)
                session.rollback()
                if stop.is_set():
                    return


def measure_overhead(bench, spec, answers, samples=31):
    """Median click with isolation on and off, interleaved (so machine load hits both alike)."""
    ids = [bench.new_pathway() for _ in range(2 * samples)]
    isolated, in_process = [], []
    try:
        for n, pathway_id in enumerate(ids):
            isolation.configure(enabled=n % 2 == 0)
            (isolated if n % 2 == 0 else in_process).append(bench.click(pathway_id, spec,
                                                                        dict(answers)))
    finally:
        isolation.configure(enabled=True)
    return {"click_ms_isolated_median": round(statistics.median(isolated), 3),
            "click_ms_in_process_median": round(statistics.median(in_process), 3),
            "isolation_overhead_ms": round(statistics.median(isolated)
                                           - statistics.median(in_process), 3)}


def measure(bench, samples=60, threads=2, hostile_pathways=4):
    """quiet and hostile p95 of the measured click, in milliseconds."""
    if not isolation.SETTINGS["enabled"]:  # in-process, a hostile click would never end
        return {"hostile_click_p95_ms": "skipped (FORLOB_ISOLATION=0)"}
    s = bench.session
    s.commit()
    s.execute(text("PRAGMA journal_mode=WAL"))
    s.commit()
    [(spec, answers, _)] = [step for step in bench.scenario["turn"] if step[2]]
    quiet_ids = [bench.new_pathway() for _ in range(samples)]
    loud_ids = [bench.new_pathway() for _ in range(samples)]
    quiet = [bench.click(pid, spec, dict(answers)) for pid in quiet_ids]
    overhead = measure_overhead(bench, spec, answers)

    service.deploy_bundle(s, hostile.after_task(ATTACK), "attacker", known_forms=hostile.FORMS)
    s.commit()
    targets = []
    for _ in range(hostile_pathways * threads):
        bench.patients += 1
        patient = service.register_patient(s, f"{4000000000 + bench.patients}", "Hostile",
                                           "K", "1980-01-01", "hovedstaden", "koebenhavn")
        targets.append(service.start_pathway(s, patient.id, {}, "attacker", now=bench.now).id)
    s.commit()

    stop, counts = threading.Event(), {"violations": 0, "completed": 0, "seconds": []}
    workers = [threading.Thread(target=_hostile_loop, daemon=True,
                                args=(bench.engine, targets[i::threads], stop, counts))
               for i in range(threads)]
    for worker in workers:
        worker.start()
    time.sleep(0.5)  # let every hostile thread get into its first click
    loud = [bench.click(pid, spec, dict(answers)) for pid in loud_ids]
    stop.set()
    for worker in workers:
        worker.join(30)
    quiet_p95, loud_p95 = p95(quiet), p95(loud)
    return {
        **overhead,
        "quiet_click_p95_ms": round(quiet_p95, 3),
        "hostile_click_p95_ms": round(loud_p95, 3),
        "hostile_click_p95_ratio": round(loud_p95 / quiet_p95, 3),
        "hostile_click_median_ms": round(statistics.median(loud), 3),
        "hostile_threads": threads,
        "hostile_violations": counts["violations"],
        "hostile_completed": counts["completed"],
        "hostile_click_max_s": round(max(counts["seconds"], default=0), 3),
        "click_budget_s": isolation.SETTINGS["click_budget_s"],
        "sandbox_workers_started": isolation.pool().started,
        "slow_cgroup": isolation.SETTINGS["slow_cgroup"] or None,
    }
