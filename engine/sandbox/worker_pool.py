"""Sandbox worker processes of this service process: start, lease, kill, replace.

Workers are started with `subprocess` (not `fork`, so no lock or thread of the service is
inherited) in a clean environment and a process group of their own (`process_group`), leased
to one click at a time, and killed when they break the click's deadline. The pools are per
process and reset after fork (gunicorn's pre-fork workers each get their own); one spare is
started in the background.

There are two lanes, each with its own pool: "clinical" (clinicians' clicks, timers) and
"owner" (the modeler's live checks, validation, scenarios, dry runs, migration). A process
owner's work waits only for owner workers, so it can never make a clinician's click wait.
Each worker reports at start which lockdown layers hold (`engine.sandbox.lockdown`);
`confinement()` answers the latest report.
"""
import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection

from engine.errors import SandboxViolation
from engine.sandbox import wire
from engine.sandbox.settings import SETTINGS, niceness, priority_code, process_group

log = logging.getLogger(__name__)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
START_TIMEOUT = 30.0            # seconds a new worker may take to import and confine itself
# An evaluation still running after this long is moved into the operator's CPU-capped cgroup
# (FORLOB_SANDBOX_SLOW_CGROUP), so hostile code cannot take CPU from other clicks.
SLOW_AFTER = 0.2


class _Lost(Exception):
    """A worker died or was killed; `.limit` says which limit it broke."""

    def __init__(self, limit, text):
        super().__init__(text)
        self.limit = limit


LANES = ("clinical", "owner")
_CONFINEMENT: dict[str, str] = {}
_REPORTED: set[str] = set()


def confinement():
    """The lockdown layers of the newest worker: {layer: "on ..." | "off: reason"} ({} before
    the first worker started)."""
    if not SETTINGS["enabled"]:
        return {"isolation": "off: definitions run in the service process (FORLOB_ISOLATION=0)"}
    return dict(_CONFINEMENT)


def _note_confinement(report):
    _CONFINEMENT.clear()
    _CONFINEMENT.update(report)
    for layer, state in sorted(report.items()):
        if not state.startswith("on") and f"{layer}:{state}" not in _REPORTED:
            _REPORTED.add(f"{layer}:{state}")  # loudly, but once per process and reason
            log.error("SANDBOX NOT FULLY CONFINED: %s is %s", layer, state)


class Worker:
    """One worker process and the two pipes to it."""

    def __init__(self, escape_test=False, lane="clinical"):
        to_child, to_us = os.pipe(), os.pipe()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
        # niced before its imports: an owner's worker starting up (70-400 ms of CPU) yields too
        code = (f"import os, sys; {priority_code(lane)}; "
                f"sys.path.insert(0, {ROOT!r}); import engine.sandbox.worker as w; w.main()")
        # Started with a clean environment (no database URL or secret key), no inherited file
        # but its two pipe ends, and isolated mode (-I: no user site, no PYTHON* variables).
        self.proc = subprocess.Popen(  # noqa: S603  (our own interpreter and code)
            [sys.executable, "-I", "-c", code, str(to_child[0]), str(to_us[1]),
             str(SETTINGS["memory_mb"]), str(niceness(lane)),
             "1" if SETTINGS["lockdown"] else "0"] + (["escape-test"] if escape_test else []),
            pass_fds=(to_child[0], to_us[1]), env=env, cwd="/", stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **process_group(lane))
        os.close(to_child[0])
        os.close(to_us[1])
        self.outbox = Connection(to_child[1], readable=False)
        self.inbox = Connection(to_us[0], writable=False)
        self.evaluations = 0
        self.busy = False  # a request was sent and its answer not yet read
        self.capped = False  # moved into the CPU-capped cgroup: not reused after this click
        self.confinement = {}
        try:
            ready = self.inbox.poll(START_TIMEOUT) and self.inbox.recv_bytes(4096)
            if ready and ready.startswith(b"ready "):
                self.confinement = json.loads(ready[6:])
                _note_confinement(self.confinement)
        except (EOFError, OSError, ValueError):
            ready = False
        if not ready or not ready.startswith(b"ready"):
            self.kill()
            raise SandboxViolation("the sandbox worker did not start", limit="start")

    def alive(self):
        """Whether the process is still running."""
        return self.proc.poll() is None

    def call(self, request, timeout):
        """Send one request and wait up to `timeout` seconds for the answer's bytes."""
        self.busy = True
        try:
            self.outbox.send_bytes(request)
            quick = min(max(timeout, 0), SLOW_AFTER) if SETTINGS["slow_cgroup"] else timeout
            if not self.inbox.poll(max(quick, 0)):
                self._cap()
                if not self.inbox.poll(max(timeout - quick, 0)):
                    self.kill()
                    raise _Lost("time", "time limit exceeded")
            blob = self.inbox.recv_bytes(wire.MAX_REPLY)
        except (EOFError, OSError) as exc:
            self.kill()
            raise self._death(exc) from None
        self.busy = False
        self.evaluations += 1
        return blob

    def _cap(self):
        """Move a slow evaluation's process into the CPU-capped cgroup, if one is configured."""
        path = SETTINGS["slow_cgroup"]
        if path and not self.capped:
            try:
                with open(os.path.join(path, "cgroup.procs"), "w") as procs:
                    procs.write(str(self.proc.pid))
                self.capped = True
            except OSError as exc:
                log.warning("sandbox worker not moved to %s: %s", path, exc)

    def _death(self, exc):
        code = self.proc.returncode
        if code == -signal.SIGXCPU:
            return _Lost("cpu", "CPU time limit exceeded")
        if "length" in str(exc):
            return _Lost("size", "the result would be too large")
        if code in (-signal.SIGKILL, -signal.SIGSEGV, -signal.SIGABRT, -signal.SIGBUS):
            return _Lost("memory", f"the worker died (signal {-code}), most likely of the "
                                   f"memory limit")
        return _Lost("crash", f"the worker stopped (exit status {code})")

    def kill(self):
        """Kill the process and reap it; close the pipes."""
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        self.close()

    def close(self):
        """Close this side's pipe ends (the worker sees EOF and exits when idle)."""
        for conn in (self.outbox, self.inbox):
            with contextlib.suppress(OSError):
                conn.close()


class Pool:
    """Idle workers of one lane of this process; at most `limit()` exist at once."""

    def __init__(self, lane="clinical"):
        self.lane = lane
        self.cond = threading.Condition()
        self.idle = []
        self.live = set()  # every worker this pool started and has not discarded
        self.count = 0
        self.starting = False
        self.started = self.killed = 0

    def limit(self):
        """How many workers this lane may have."""
        return max(1, SETTINGS["workers" if self.lane == "clinical" else "owner_workers"])

    def lease(self, click):
        """An idle or new worker; waits for one while the click's deadline allows."""
        with self.cond:
            while True:
                while self.idle:
                    worker = self.idle.pop()
                    if worker.alive():
                        self._top_up()
                        return worker
                    self.count -= 1
                    self.live.discard(worker)
                    worker.close()
                if self.count < self.limit():
                    self.count += 1
                    break
                if not self.cond.wait(click.remaining()) and click.remaining() <= 0:
                    raise SandboxViolation(f"no {self.lane} sandbox worker became free within "
                                           f"the time budget", limit="time")
        started = time.monotonic()
        try:
            worker = Worker(lane=self.lane)
        except BaseException:
            self.discard(None)
            raise
        self.started += 1
        self.live.add(worker)
        # Starting a worker is the service's own cost, not the definition's: not charged.
        click.deadline += time.monotonic() - started
        with self.cond:
            self._top_up()
        return worker

    def _top_up(self):
        """Start one spare worker in the background (call holding the lock), so that a click
        rarely waits for a start: a start takes 70-400 ms of CPU on a busy machine."""
        if self.idle or self.starting or self.count >= self.limit():
            return
        self.count += 1
        self.starting = True
        threading.Thread(target=self._start_spare, daemon=True, name="sandbox-spare").start()

    def _start_spare(self):
        try:
            worker = Worker(lane=self.lane)
        except Exception as exc:  # noqa: BLE001 - the next lease starts one itself
            log.error("could not start a spare sandbox worker: %s", exc)
            with self.cond:
                self.count -= 1
                self.starting = False
                self.cond.notify()
            return
        with self.cond:
            self.starting = False
            self.started += 1
            self.live.add(worker)
            self.idle.append(worker)
            self.cond.notify()

    def give_back(self, worker):
        """Return a healthy worker to the idle list (a capped one is replaced instead)."""
        if worker.capped:  # it stays in the slow cgroup: a fresh worker serves the next click
            worker.kill()
            self.discard(worker)
            return
        with self.cond:
            self.idle.append(worker)
            self.cond.notify()

    def discard(self, worker):
        """Forget a dead or killed worker so a new one can take its place."""
        if worker is not None:
            self.killed += 1
        with self.cond:
            self.live.discard(worker)
            self.count -= 1
            self._top_up()
            self.cond.notify()

    def wait_idle(self, timeout):
        """Start a spare if none is idle; wait until one is (True) or `timeout` passes (False)."""
        with self.cond:
            self._top_up()
            return self.cond.wait_for(lambda: self.idle, timeout)

    def shutdown(self):
        """Stop every idle worker (tests and process exit)."""
        with self.cond:
            idle, self.idle = self.idle, []
            self.count -= len(idle)
            self.live.difference_update(idle)
        for worker in idle:
            worker.kill()


_POOLS = {lane: Pool(lane) for lane in LANES}


def _after_fork():
    # A forked child must not use (or keep open) its parent's pipes, idle or leased to one of
    # the parent's threads (which do not exist here): it gets pools of its own.
    for lane, old in list(_POOLS.items()):
        _POOLS[lane] = Pool(lane)
        for worker in old.live:
            worker.close()


os.register_at_fork(after_in_child=_after_fork)


def pool(lane="clinical"):
    """This process's pool of one lane ("clinical" or "owner")."""
    return _POOLS[lane]

