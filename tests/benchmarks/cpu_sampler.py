"""Where a process's CPU goes: a stack sampler driven by CPU time (ITIMER_PROF), not the wall clock.

Waiting for the database or a sandbox worker is not sampled, so on a loaded machine the
picture stays that of the work itself. The kernel delivers the timer at its tick (4 ms here),
so a useful picture needs a few thousand samples: a few hundred requests.

    sampler = Sampler(); sampler.start(); ...; sampler.stop(); print(sampler.report())
"""
import collections
import signal
import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2]) + "/"
PRODUCT = ("webui/", "engine/", "forms/")
# the Python frame that calls into the driver's C code (sqlite3, libpq)
DRIVER = ("psycopg/", "sqlalchemy/engine/default.py:do_")
EXECUTING = ("session.py:execute", "session.py:scalar", "session.py:get", "scoping.py:",
             "base.py:execute", "session.py:commit", "session.py:flush", "result.py:",
             "loading.py:", "persistence.py:", "unitofwork.py:")


def _name(code):
    """file:function of a code object, the file relative to the repository or site-packages."""
    path = code.co_filename
    if "site-packages/" in path:
        path = path.split("site-packages/", 1)[1]
    elif "/lib/python3" in path:  # the standard library: json/encoder.py
        path = path.split("/lib/python3", 1)[1].split("/", 1)[-1]
    elif path.startswith(ROOT):
        path = path[len(ROOT):]
    return f"{path}:{code.co_name}"


def _product(frame):
    # the outage guard wraps the whole app: Flask's per-request work below it is framework
    return (frame.startswith(PRODUCT) or ".html:" in frame) and not frame.startswith("webui/errors/outage.py")


def category(stack):
    """What a sample was doing: templates, building statements, SQLAlchemy, the driver, ..."""
    product = [i for i, frame in enumerate(stack) if _product(frame)]
    below = stack[product[-1] + 1:] if product else stack
    if any("cache_key.py" in frame for frame in below):
        return "SQLAlchemy: cache keys"
    if below and below[0].startswith("sqlalchemy/") and \
            not any(e in frame for frame in below for e in EXECUTING):
        return "SQLAlchemy: building statements"
    if stack[-1].startswith(DRIVER):
        return "database driver"
    if any("unitofwork" in frame or "session.py:_flush" in frame for frame in below):
        return "SQLAlchemy: flush (unit of work)"
    if any(frame.startswith("sqlalchemy/orm/loading.py") for frame in below):
        return "SQLAlchemy: loading rows into objects"
    if any(frame.startswith("sqlalchemy/") for frame in below):
        return "SQLAlchemy: executing"
    if any(".html:" in frame for frame in stack):
        return "templates"
    if any(frame.startswith("SpiffWorkflow/") for frame in below):
        return "SpiffWorkflow"
    if any("engine/sandbox" in frame for frame in stack):
        return "sandbox round trips"
    if below and product:
        return "libraries called by the product: " + below[0].split("/")[0].split(".py:")[0]
    if product:
        return "product code itself"
    return "Flask and Werkzeug per request (contexts, session cookie, hooks), the test client"


class Sampler:
    """Counts the Python stack every `interval` seconds of this process's CPU time."""

    def __init__(self, interval=0.001):
        self.interval = interval
        self.stacks = collections.Counter()
        self.tag = None

    def _sample(self, _signum, frame):
        if self.tag is None:
            return
        stack = []
        while frame is not None:
            stack.append(_name(frame.f_code))
            frame = frame.f_back
        self.stacks[(self.tag, tuple(reversed(stack)))] += 1

    def start(self):
        """Install the handler and start the CPU-time timer."""
        signal.signal(signal.SIGPROF, self._sample)
        signal.setitimer(signal.ITIMER_PROF, self.interval, self.interval)

    def stop(self):
        """Stop the timer."""
        signal.setitimer(signal.ITIMER_PROF, 0, 0)

    def report(self, top=12):
        """Shares of the samples by category, then the product functions that hold most of them."""
        total = sum(self.stacks.values()) or 1
        kinds, functions, tags = collections.Counter(), collections.Counter(), collections.Counter()
        for (tag, stack), count in self.stacks.items():
            tags[tag] += count
            kinds[category(stack)] += count
            for frame in dict.fromkeys(f for f in stack if f.startswith(PRODUCT)):
                functions[frame] += count
        lines = [f"{total} samples: " + ", ".join(f"{t} {n}" for t, n in tags.items()),
                 "-- by what the process was doing"]
        lines += [f"{100 * n / total:5.1f} %  {k}" for k, n in kinds.most_common(top)]
        lines.append("-- product functions (including what they call)")
        lines += [f"{100 * n / total:5.1f} %  {k}" for k, n in functions.most_common(top * 3)]
        return "\n".join(lines)


if __name__ == "__main__":
    sys.exit("use it from a benchmark: tests.benchmarks.clinician_mix --profile")
