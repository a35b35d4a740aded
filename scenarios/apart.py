"""Scenarios run apart from the web process: in a child process at the owners' CPU priority.

A scenario drives the whole workflow engine between its evaluations. Run in a web process,
that engine work held the interpreter lock beside clinicians' requests (and a proposal slow in
every step held a request for minutes). `run_apart` runs the scenarios one by one in a fresh
child process instead: started with a clean environment (no database URL, no secret key), at
the owner lane's CPU priority (nice 19, SCHED_IDLE; in the web process's session, so that the
priority holds under the kernel's autogroups), evaluating in its own owner-lane sandbox
workers, and killed at the caller's deadline. Its answers come back as JSON lines, one per finished scenario.
"""
import contextlib
import json
import os
import pickle
import select
import signal
import subprocess
import sys
import threading
import time

from engine import modeling
from scenarios.runner import run_one

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# niced before it imports the engine (about a second of CPU), not only once it runs
CODE = ("import os, sys; {priority}; "
        f"sys.path.insert(0, {ROOT!r}); from scenarios import apart; apart.main()")
MAX_LINE = 4 * 1024 * 1024  # bytes of one scenario's answer; more is a broken child
NOT_RUN = ("not run: this request's scenarios took more than {seconds:g} s; validate in the "
           "background (POST /modeler/api/validation-jobs) to run them all")


def _not_run(scenario, seconds):
    return {"id": scenario["id"], "title": scenario["title"], "ok": False, "step": None,
            "message": NOT_RUN.format(seconds=seconds)}


def _send(proc, request):
    """Write the request in a thread: a child slow to start must not hold the caller past its
    deadline on a full pipe."""
    def write():
        with contextlib.suppress(OSError, ValueError):
            proc.stdin.write(request)
            proc.stdin.close()
    threading.Thread(target=write, name="scenario-request", daemon=True).start()


def _answers(proc, deadline, cancel):
    """Yield (n, result) of each JSON line the child writes before `deadline` (or `cancel`)."""
    fd, buffer = proc.stdout.fileno(), b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or (cancel is not None and cancel.is_set()):
            return
        if not select.select([fd], [], [], min(left, 0.2))[0]:
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            return
        buffer += chunk
        if len(buffer) > MAX_LINE:
            return
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            answer = json.loads(line)
            yield int(answer["n"]), answer["result"]


def run_apart(files, scenarios, seconds, cancel=None):
    """Run `scenarios` against the bundle {name: text} in a child process, one by one.

    Those not finished within `seconds` (or when the event `cancel` is set) are reported as not
    run: the child is killed then.
    """
    files = {n: (d.decode("utf-8") if isinstance(d, bytes) else d) for n, d in files.items()}
    scenarios = list(scenarios)
    if not scenarios:
        return []
    request = pickle.dumps({"files": files, "scenarios": scenarios,
                            "settings": modeling.sandbox_settings()})
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    proc = subprocess.Popen(  # noqa: S603  (our own interpreter and code)
        [sys.executable, "-I", "-c", CODE.format(priority=modeling.priority_code("owner"))],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, env=env, cwd="/", **modeling.process_group("owner"))
    results = {}
    try:
        _send(proc, request)
        for n, result in _answers(proc, time.monotonic() + seconds, cancel):
            results[n] = result
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    return [results.get(n) or _not_run(s, seconds) for n, s in enumerate(scenarios)]


def main():
    """The child: read one request from stdin, answer each scenario on a line of stdout."""
    out = os.fdopen(os.dup(1), "w")
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # a stray print cannot break the answers
    request = pickle.load(sys.stdin.buffer)  # noqa: S301  (written by our own parent process)
    settings = request["settings"]
    modeling.configure_sandbox(**settings)
    modeling.enter_lane("owner")
    for n, scenario in enumerate(request["scenarios"]):
        result = run_one(request["files"], scenario)
        out.write(json.dumps({"n": n, "result": result}, default=str) + "\n")
        out.flush()
    out.close()
    os._exit(0)  # its sandbox workers see their pipes close and exit
