"""Scenario runs in separate processes, a few at once.

The workflow engine between a scenario's evaluations is Python in the calling process (85 % of
a validation's time, measured in issue 22), so threads of one process only took turns. Here a
small pool of processes runs one scenario each at a time. They are forked from a forkserver
(a clean process that imported the engine once: no thread, lock or database connection of the
service is inherited), kept for the life of the process that uses them, and each leases one
owner-lane sandbox worker of its own, warm across jobs.

FORLOB_SCENARIO_PROCESSES (default 2, the demo machine's cores) sets the pool's size; 0 or 1
runs the scenarios in the calling process, one after another. As with any multiprocessing
start method but fork, a script that uses the pool must guard its entry point
(`if __name__ == "__main__":`), as flask, gunicorn and pytest do: a child imports the main
module again.
"""
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from engine import modeling
from scenarios.runner import run_one

SETTINGS = {"processes": int(os.environ.get("FORLOB_SCENARIO_PROCESSES", "2") or 0)}
_POOL: ProcessPoolExecutor | None = None
_LOCK = threading.Lock()


def configure(processes):
    """Set the pool's size (a running pool of another size is shut down)."""
    global _POOL
    with _LOCK:
        if _POOL is not None and processes != SETTINGS["processes"]:
            _POOL.shutdown(wait=False, cancel_futures=True)
            _POOL = None
        SETTINGS["processes"] = processes


def _child_start(settings):
    modeling.configure_sandbox(**settings)
    modeling.lower_process_priority("owner")  # scenarios are owners' work, whoever started the pool


def _in_child(files, scenario):
    with modeling.lane("owner"):
        return run_one(files, scenario)


def _pool():
    global _POOL
    with _LOCK:
        if _POOL is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["scenarios.runner"])
            # the caller's sandbox limits; one scenario at a time needs one owner worker
            settings = dict(modeling.sandbox_settings(), owner_workers=1)
            _POOL = ProcessPoolExecutor(SETTINGS["processes"], mp_context=context,
                                        initializer=_child_start, initargs=(settings,))
        return _POOL


def _discard(pool):
    global _POOL
    with _LOCK:
        if _POOL is pool:
            _POOL = None
    pool.shutdown(wait=False, cancel_futures=True)


def run_each(files: dict, scenarios: list, on_result: Callable[[int, dict], None],
             deadline: float | None = None) -> list[int]:
    """Run the scenarios; call on_result(n, result) in this thread as each one finishes.

    Returns the indexes of the scenarios not run because `deadline` (time.monotonic()) came.
    Runs in this process when the pool is off, for a single scenario, or when a pool process
    died (the scenarios it had not finished run here).
    """
    left = list(range(len(scenarios)))
    if deadline is not None and time.monotonic() >= deadline:
        return left
    if SETTINGS["processes"] > 1 and len(scenarios) > 1:
        pool = _pool()
        pending: dict[Future, int] = {pool.submit(_in_child, files, scenarios[n]): n for n in left}
        try:
            while pending:
                timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
                done, _ = wait(pending, timeout=timeout, return_when=FIRST_COMPLETED)
                if not done:  # the deadline came: what has not started is not run
                    for future in pending:
                        future.cancel()
                    return sorted(pending.values())
                for future in done:
                    n = pending.pop(future)
                    on_result(n, future.result())
                    left.remove(n)
        except BrokenProcessPool:
            _discard(pool)
    with modeling.lane("owner"):
        for n in list(left):
            if deadline is not None and time.monotonic() >= deadline:
                return left
            on_result(n, run_one(files, scenarios[n]))
            left.remove(n)
    return []
