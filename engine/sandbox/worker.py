"""The sandbox worker process: evaluates one expression or script at a time under OS limits.

Started by `engine.sandbox.isolation` with a clean, secret-free environment. It reads pickled requests
from the service (trusted) on one pipe and answers in JSON (`engine.sandbox.wire`) on another. The
operating system bounds it: RLIMIT_AS (address space), RLIMIT_CPU (set before every request
to the CPU used so far plus the request's seconds), RLIMIT_FSIZE 0 (no file writing), no core
dumps, and a lower CPU priority than the service (nice 10; 19 for process owners' workers). Then it locks itself down
(`engine.sandbox.lockdown`: unprivileged user, Landlock, seccomp) and reports, with its
readiness, which of those layers hold. The service kills it at the click's deadline. After a
MemoryError, or when its CPU lifetime runs low, it answers and exits, and the service starts a fresh one.
"""
import fcntl
import json
import os
import pickle
import resource
import sys
import termios
from datetime import datetime
from multiprocessing.connection import Connection

from engine import clock
from engine.errors import SandboxViolation
from engine.sandbox import expressions, isolation, lockdown, restricted, wire

CPU_LIFETIME = 3600        # hard RLIMIT_CPU of a worker, seconds
READY = b"ready"
# Set only by the escape test's worker (argv flag): then mode "raw" runs plain Python, so the
# test can prove what the OS layers alone stop. The service never starts a worker with it.
ESCAPE_TEST = False


def _raw(source):
    """Run unrestricted Python; its `result` dict is the answer (escape test only)."""
    scope = {"__builtins__": __builtins__}
    exec(source, scope)  # noqa: S102 - the escape test's own attack code, in a confined worker
    return scope.get("result")


def _limit(kind, soft, hard=None):
    resource.setrlimit(kind, (soft, soft if hard is None else hard))


def _address_space():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def _cpu_used():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def confine(memory_mb, niceness):
    """Apply the OS limits that hold for the worker's whole life."""
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_FSIZE, 0)
    _limit(resource.RLIMIT_AS, _address_space() + memory_mb * 1024 * 1024)
    _limit(resource.RLIMIT_CPU, CPU_LIFETIME - 60, CPU_LIFETIME)
    # absolute, not relative: a worker of an owner's scenario process (itself niced) gets the
    # same niceness as one of the web process; a busy worker yields to the service's threads
    os.setpriority(os.PRIO_PROCESS, 0, max(os.getpriority(os.PRIO_PROCESS, 0), niceness))


def _message(exc):
    try:
        text = str(exc)
    except BaseException:  # noqa: BLE001 - the text of a hostile exception may itself fail
        text = ""
    return f"{type(exc).__name__}: {text}"[:300]


def handle(request):
    """Answer one request; return (reply bytes, whether the worker must exit afterwards)."""
    recycle = False
    try:
        mode, source, data, extra, now, seconds = pickle.loads(request)  # noqa: S301  (written by our own parent process only)
        # SIGXCPU ends the process if C code holds the CPU past the request's seconds.
        _limit(resource.RLIMIT_CPU, int(_cpu_used() + seconds) + 2, CPU_LIFETIME)
        with clock.frozen_at(datetime.fromisoformat(now)):
            if mode == "eval":
                value = restricted.evaluate(source, data, extra, seconds=seconds)
            elif mode == "exec":
                restricted.execute(source, data, extra, seconds=seconds)
                value = data
            elif mode == "names":  # the live check's name check (engine.sandbox.expressions)
                value = expressions.unknown_names(data["kind"], source, data["known"])
            elif mode == "raw" and ESCAPE_TEST:  # tests only: unrestricted code, as an escape would
                value = _raw(source)
            else:  # "check-eval", "check-exec", "check-parse": deploy and DMN syntax checks
                value = isolation.checked(source, mode[6:])
        reply = {"ok": value}
    except SandboxViolation as exc:
        reply = {"violation": exc.reason[:300], "limit": exc.limit}
    except MemoryError:
        reply, recycle = {"violation": "memory limit exceeded", "limit": "memory"}, True
    except RecursionError:
        reply = {"violation": "recursion too deep", "limit": "recursion"}
    except Exception as exc:  # noqa: BLE001 - an ordinary error of the script, e.g. a missing name
        reply = {"error": _message(exc)}
    except BaseException as exc:  # noqa: BLE001 - SystemExit, KeyboardInterrupt, GeneratorExit...
        reply = {"violation": f"the script raised {_message(exc)}", "limit": "exception"}
    recycle = recycle or _cpu_used() > CPU_LIFETIME - 120
    if recycle:
        reply["exit"] = True  # the service must not send this worker another request
    try:
        blob = wire.encode(reply)
    except SandboxViolation as exc:
        blob = wire.encode({"violation": exc.reason, "limit": exc.limit, "exit": recycle})
    except BaseException:  # noqa: BLE001 - e.g. MemoryError while encoding
        blob, recycle = wire.encode({"violation": "memory limit exceeded",
                                     "limit": "memory", "exit": True}), True
    return blob, recycle


def leave_terminal():
    """Give up the controlling terminal, if any: an owners' worker stays in the service's
    session (`settings.process_group`), and a terminal the service was started from must not
    be one an escaped script could open (/dev/tty) and type into (TIOCSTI)."""
    try:
        fd = os.open("/dev/tty", os.O_RDONLY | os.O_NOCTTY)
    except OSError:
        return  # no controlling terminal (a new session, or a service without one)
    try:
        fcntl.ioctl(fd, termios.TIOCNOTTY)  # not the session leader: only this process lets go
    except OSError:
        pass
    finally:
        os.close(fd)


def _warm_up():
    """Trigger lazy imports before the file limits apply."""
    restricted.evaluate("days_between(add_days(today(), 1), now()) + len(str([1]))", {})
    wire.decode(wire.encode({"ok": datetime.now()}))
    expressions.unknown_names("condition", "a > b", ["a"])


def main():
    """Serve requests until the service closes the pipe; then exit at once."""
    try:
        serve()
    finally:
        os._exit(0)  # skip interpreter teardown of whatever the last script left behind


def serve():
    """Start up, confine, announce readiness, and answer requests one by one."""
    inbox = Connection(int(sys.argv[1]), writable=False)
    outbox = Connection(int(sys.argv[2]), readable=False)
    global ESCAPE_TEST
    ESCAPE_TEST = sys.argv[6:7] == ["escape-test"]
    leave_terminal()
    _warm_up()
    confine(int(sys.argv[3]), int(sys.argv[4]))
    report = lockdown.apply(enabled=sys.argv[5:6] != ["0"])
    outbox.send_bytes(READY + b" " + json.dumps(report).encode())
    while True:
        try:
            request = inbox.recv_bytes()
        except (EOFError, OSError):
            return
        blob, recycle = handle(request)
        outbox.send_bytes(blob)
        if recycle:
            return

