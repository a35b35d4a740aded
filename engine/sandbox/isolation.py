"""Evaluation outside the service's processes: bounded worker processes, one deadline per click.

Every expression and script of a definition is shipped (source, data, clock) to a worker
process (`engine.sandbox.worker`, managed by `engine.sandbox.worker_pool`) and its JSON answer read
back. The operating system bounds the worker (address space, CPU time, no file writes); this
module bounds it in wall time: all evaluations of one facade call share one deadline
(`click`), and a worker that has not answered by then is killed and replaced. A click runs
in a lane (`lane`): process owners' work uses its own pool of workers, never a clinician's.
"""
import ast
import contextlib
import contextvars
import functools
import logging
import pickle
import time

from engine import clock
from engine.errors import SandboxViolation, ScriptError
from engine.sandbox import restricted, wire
from engine.sandbox.settings import (  # noqa: F401
    SETTINGS,
    configure,
    lower_process_priority,
    lower_thread_priority,
    priority_code,
    process_group,
    settings,
)
from engine.sandbox.worker_pool import LANES, Worker, _Lost, confinement, pool  # noqa: F401

log = logging.getLogger(__name__)
MAX_REQUEST = 16 * 1024 * 1024  # bytes of data shipped to a worker for one evaluation
GRACE = 0.05                    # seconds the worker's own budget check gets before the kill
CHECK_BUDGET_S = 2.0            # the least time a compile check outside a click gets


class Click:
    """The deadline and leased worker of one facade call."""

    def __init__(self, seconds, lane="clinical"):
        self.lane = lane
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


_CLICK: contextvars.ContextVar[Click | None] = contextvars.ContextVar("forlob_click", default=None)
_LANE: contextvars.ContextVar[str] = contextvars.ContextVar("forlob_lane", default="clinical")


def enter_lane(name):
    """Make later clicks of this context use lane `name`; returns a token for `leave_lane`."""
    if name not in LANES:
        raise ValueError(f"unknown sandbox lane {name!r}")
    return _LANE.set(name)


def leave_lane(token):
    """Undo `enter_lane`."""
    _LANE.reset(token)


@contextlib.contextmanager
def lane(name):
    """Clicks started inside use the sandbox pool of lane `name` ("clinical" or "owner")."""
    token = enter_lane(name)
    try:
        yield
    finally:
        leave_lane(token)


def owner_work(function):
    """Decorator: the function is process owners' work and evaluates in the owner lane."""
    @functools.wraps(function)
    def in_owner_lane(*args, **kwargs):
        with lane("owner"):
            return function(*args, **kwargs)
    return in_owner_lane


def lane_size(name="owner"):
    """How many sandbox workers lane `name` may run at once in this process."""
    return pool(name).limit()


def current_lane():
    """The lane new clicks of this context use."""
    return _LANE.get()


@contextlib.contextmanager
def click(seconds=None):
    """One facade call: every evaluation inside shares one deadline and one leased worker.

    Nested use joins the outer click."""
    outer = _CLICK.get()
    if outer is not None:
        yield outer
        return
    current = Click(SETTINGS["click_budget_s"] if seconds is None else seconds, _LANE.get())
    token = _CLICK.set(current)
    try:
        yield current
    finally:
        _CLICK.reset(token)
        worker = current.worker
        if worker is not None and worker.busy:  # interrupted mid-request: its answer is stale
            worker.kill()
            pool(current.lane).discard(worker)
        elif worker is not None:
            pool(current.lane).give_back(worker)


def evaluate(expression, data, extra=None):
    """Evaluate an expression against data in a worker; return its value."""
    return _run("eval", expression, data, extra)


def execute(script, data, extra=None):
    """Run a script in a worker and update `data` in place with what it leaves behind."""
    result = _run("exec", script, data, extra)
    data.clear()
    data.update(result)
    return True


@functools.lru_cache(maxsize=4096)
def check(source, mode):
    """Compile `source` under the sandbox policy (mode "eval"/"exec"; SandboxViolation when it
    does not) or parse it as Python (mode "parse": True/False), in a worker: CPython's
    compiler holds the GIL, recurses on nesting and may allocate without bound.

    Outside a click it has at least CHECK_BUDGET_S: a compile runs no definition code, and a
    short test budget made a loaded machine's first compile of a large text fail, uncached,
    again and again, keeping the owner lane's workers busy being killed and replaced."""
    with click(max(SETTINGS["click_budget_s"], CHECK_BUDGET_S)):
        return _run("check-" + mode, source, {}, None)


def names(kind, source, known):
    """[(name, suggestion, line)] of names `source` (an expression of `kind`) reads that neither
    `known` nor the sandbox holds, computed in a worker: walking a 20,000-character script
    takes about 70 ms of CPU, which must not be the service process's."""
    return [tuple(item) for item in _run("names", source, {"kind": kind, "known": sorted(known)}, None)]


def _run(mode, source, data, extra):
    current = _CLICK.get()
    if current is None:
        with click():
            return _run(mode, source, data, extra)
    remaining = current.remaining()
    if remaining <= 0:
        raise current.spent()
    if not SETTINGS["enabled"]:  # in-process, for comparison only: not a security boundary
        if mode.startswith("check-"):
            return checked(source, mode[6:])
        run = restricted.evaluate if mode == "eval" else restricted.execute
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


def checked(source, mode):
    """What `check` answers, computed here (in the worker, or in-process for comparison)."""
    if mode != "parse":
        restricted.compile_code(source, mode)
        return True
    try:
        ast.parse(source)
        return True
    except SyntaxError:
        return False


def _retire(current):
    worker, current.worker = current.worker, None
    if worker is not None:
        worker.kill()
        pool(current.lane).discard(worker)


def _call(current, request):
    if current.worker is None or not current.worker.alive():
        if current.worker is not None:
            pool(current.lane).discard(current.worker)
        current.worker = None
        current.worker = pool(current.lane).lease(current)
    worker = current.worker
    try:
        return worker.call(request, current.remaining() + GRACE)
    except _Lost as lost:
        current.worker = None
        pool(current.lane).discard(worker)
        log.warning("sandbox worker %s replaced: %s", worker.proc.pid, lost)
        if lost.limit == "time":
            raise current.spent() from None
        raise SandboxViolation(str(lost), limit=lost.limit) from None
