"""Evaluation outside the service's processes: bounded worker processes, one deadline per click.

Every expression and script of a definition is shipped (source, data, clock) to a worker
process (`engine.isolation_worker`) and its JSON answer read back. The operating system bounds
the worker (address space, CPU time, no file writes); this module bounds it in wall time: all
evaluations of one facade call share one deadline (`click`), and a worker that has not
answered by then is killed and replaced. A worker is leased to one click at a time, so a web
process's threads never share one; the pool is per process (reset after fork, so gunicorn's
pre-fork workers and Flask's threaded dev server each get their own) and starts workers
lazily.
"""
import contextlib
import contextvars
import logging
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection

from engine import clock, sandbox, wire
from engine.errors import SandboxViolation, ScriptError

log = logging.getLogger(__name__)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAX_REQUEST = 16 * 1024 * 1024  # bytes of data shipped to a worker for one evaluation
START_TIMEOUT = 30.0            # seconds a new worker may take to import and confine itself
GRACE = 0.05                    # seconds the worker's own budget check gets before the kill


def _env_float(name, default):
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


SETTINGS = {
    "enabled": os.environ.get("FORLOB_ISOLATION", "1") != "0",
    "click_budget_s": _env_float("FORLOB_CLICK_BUDGET_S", 2.0),
    "memory_mb": int(_env_float("FORLOB_SANDBOX_MEMORY_MB", 256)),
    "workers": int(_env_float("FORLOB_SANDBOX_WORKERS", 4)),
    "niceness": int(_env_float("FORLOB_SANDBOX_NICE", 10)),
}


def configure(**settings):
    """Change settings (click_budget_s, memory_mb, workers, niceness, enabled); unknown keys
    are refused. Workers already running keep the limits they started with."""
    unknown = set(settings) - set(SETTINGS)
    if unknown:
        raise ValueError(f"unknown isolation settings: {sorted(unknown)}")
    SETTINGS.update({k: v for k, v in settings.items() if v is not None})


class _Lost(Exception):
    """A worker died or was killed; `.limit` says which limit it broke."""

    def __init__(self, limit, text):
        super().__init__(text)
        self.limit = limit


class Worker:
    """One worker process and the two pipes to it."""

    def __init__(self):
        to_child, to_us = os.pipe(), os.pipe()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
        code = f"import sys; sys.path.insert(0, {ROOT!r}); import engine.isolation_worker as w; w.main()"
        # Started with a clean environment (no database URL or secret key), no inherited file
        # but its two pipe ends, and isolated mode (-I: no user site, no PYTHON* variables).
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-c", code, str(to_child[0]), str(to_us[1]),
             str(SETTINGS["memory_mb"]), str(SETTINGS["niceness"])],
            pass_fds=(to_child[0], to_us[1]), env=env, cwd="/", stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        os.close(to_child[0])
        os.close(to_us[1])
        self.outbox = Connection(to_child[1], readable=False)
        self.inbox = Connection(to_us[0], writable=False)
        self.evaluations = 0
        if not self.inbox.poll(START_TIMEOUT) or self.inbox.recv_bytes(64) != b"ready":
            self.kill()
            raise SandboxViolation("the sandbox worker did not start", limit="start")

    def alive(self):
        """Whether the process is still running."""
        return self.proc.poll() is None

    def call(self, request, timeout):
        """Send one request and wait up to `timeout` seconds for the answer's bytes."""
        try:
            self.outbox.send_bytes(request)
            if not self.inbox.poll(max(timeout, 0)):
                self.kill()
                raise _Lost("time", "time limit exceeded")
            blob = self.inbox.recv_bytes(wire.MAX_REPLY)
        except (EOFError, OSError) as exc:
            self.kill()
            raise self._death(exc) from None
        self.evaluations += 1
        return blob

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
    """Idle workers of this process; at most SETTINGS['workers'] exist at once."""

    def __init__(self):
        self.cond = threading.Condition()
        self.idle = []
        self.count = 0
        self.starting = False
        self.started = self.killed = 0

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
                    worker.close()
                if self.count < SETTINGS["workers"]:
                    self.count += 1
                    break
                if not self.cond.wait(click.remaining()) and click.remaining() <= 0:
                    raise SandboxViolation("no sandbox worker became free within the time "
                                           "budget", limit="time")
        started = time.monotonic()
        try:
            worker = Worker()
        except BaseException:
            self.discard(None)
            raise
        self.started += 1
        # Starting a worker is the service's own cost, not the definition's: not charged.
        click.deadline += time.monotonic() - started
        with self.cond:
            self._top_up()
        return worker

    def _top_up(self):
        """Start one spare worker in the background (call holding the lock), so that a click
        rarely waits for a start: a start takes 70-400 ms of CPU on a busy machine."""
        if self.idle or self.starting or self.count >= SETTINGS["workers"]:
            return
        self.count += 1
        self.starting = True
        threading.Thread(target=self._start_spare, daemon=True, name="sandbox-spare").start()

    def _start_spare(self):
        try:
            worker = Worker()
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
            self.idle.append(worker)
            self.cond.notify()

    def give_back(self, worker):
        """Return a healthy worker to the idle list."""
        with self.cond:
            self.idle.append(worker)
            self.cond.notify()

    def discard(self, worker):
        """Forget a dead or killed worker so a new one can take its place."""
        if worker is not None:
            self.killed += 1
        with self.cond:
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
        for worker in idle:
            worker.kill()


_POOL = Pool()


def _after_fork():
    # A forked child must not use (or keep open) its parent's pipes: it gets a pool of its own.
    global _POOL
    old, _POOL = _POOL, Pool()
    for worker in old.idle:
        worker.close()


os.register_at_fork(after_in_child=_after_fork)


def pool():
    """This process's pool."""
    return _POOL


class Click:
    """The deadline and leased worker of one facade call."""

    def __init__(self, seconds):
        self.budget = seconds
        self.deadline = time.monotonic() + seconds
        self.worker = None

    def remaining(self):
        """Seconds left before the deadline."""
        return self.deadline - time.monotonic()

    def spent(self):
        """A violation for a click whose budget is spent."""
        return SandboxViolation(f"time limit exceeded (the step's budget of {self.budget:g} s "
                                f"is spent)", limit="time")


_CLICK = contextvars.ContextVar("forlob_click", default=None)


@contextlib.contextmanager
def click(seconds=None):
    """One facade call: every evaluation inside shares one deadline and one leased worker.

    Nested use joins the outer click."""
    outer = _CLICK.get()
    if outer is not None:
        yield outer
        return
    current = Click(SETTINGS["click_budget_s"] if seconds is None else seconds)
    token = _CLICK.set(current)
    try:
        yield current
    finally:
        _CLICK.reset(token)
        if current.worker is not None:
            _POOL.give_back(current.worker)


def evaluate(expression, data, extra=None):
    """Evaluate an expression against data in a worker; return its value."""
    return _run("eval", expression, data, extra)


def execute(script, data, extra=None):
    """Run a script in a worker and update `data` in place with what it leaves behind."""
    result = _run("exec", script, data, extra)
    data.clear()
    data.update(result)
    return True


def _run(mode, source, data, extra):
    current = _CLICK.get()
    if current is None:
        with click():
            return _run(mode, source, data, extra)
    remaining = current.remaining()
    if remaining <= 0:
        raise current.spent()
    if not SETTINGS["enabled"]:  # in-process, for comparison only: not a security boundary
        run = sandbox.evaluate if mode == "eval" else sandbox.execute
        value = run(source, data, extra, seconds=remaining)
        return value if mode == "eval" else dict(data)  # execute() refills `data` from it
    try:
        request = pickle.dumps((mode, source, data, extra, clock.now().isoformat(), remaining),
                               protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # noqa: BLE001 - e.g. a generator a script left in the data
        raise SandboxViolation(f"the data cannot be passed to the sandbox: {exc}"[:300],
                               limit="size") from None
    if len(request) > MAX_REQUEST:
        raise SandboxViolation("the data passed to the sandbox would be too large", limit="size")
    reply = wire.decode(_call(current, request))
    if not isinstance(reply, dict):
        raise SandboxViolation("the sandbox answered with malformed data", limit="size")
    if reply.get("exit"):  # e.g. after a MemoryError: the worker exits; never reuse it
        _retire(current)
    if "ok" in reply:
        value = reply["ok"]
        if mode == "exec" and not isinstance(value, dict):
            raise SandboxViolation("the sandbox answered with malformed data", limit="size")
        return value
    if "error" in reply:
        raise ScriptError(str(reply["error"])[:300])
    raise SandboxViolation(str(reply.get("violation"))[:300], limit=str(reply.get("limit"))[:20])


def _retire(current):
    worker, current.worker = current.worker, None
    if worker is not None:
        worker.kill()
        _POOL.discard(worker)


def _call(current, request):
    if current.worker is None or not current.worker.alive():
        if current.worker is not None:
            _POOL.discard(current.worker)
        current.worker = None
        current.worker = _POOL.lease(current)
    worker = current.worker
    try:
        return worker.call(request, current.remaining() + GRACE)
    except _Lost as lost:
        current.worker = None
        _POOL.discard(worker)
        log.warning("sandbox worker %s replaced: %s", worker.proc.pid, lost)
        if lost.limit == "time":
            raise current.spent() from None
        raise SandboxViolation(str(lost), limit=lost.limit) from None
