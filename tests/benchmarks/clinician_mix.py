"""Benchmark: server CPU per request for a fixed clinician mix, on SQLite or PostgreSQL.

    .venv/bin/python -m tests.benchmarks.clinician_mix [--db sqlite|postgres] [--rounds 30] [--json] [--profile]

Through the whole Flask app with the test client, logged in as a regional clinician (the
login is not counted). One round on a fresh Opstart pathway is five requests: the worklist,
the AUDIT task page, a background draft save (`X-Autosave`), completing the task, and the
patient page the submit lands on. CPU is read from the operating system, not the wall
clock: this process and every process below it (sandbox workers), plus, on PostgreSQL, the
server backends of this run's connections. Prints `cpu_ms_per_request` (and per route, and
per process: the web process, its sandbox workers, PostgreSQL's backends), the requests per
second that two fully used cores would then serve (2,000 ms / CPU per request) and the load
average at the end (CPU time itself grows on a loaded machine). Issue 26's target is ≤ 12 ms
on both databases. `--profile` also samples the web process's stacks by CPU time
(`tests/benchmarks/cpu_sampler.py`) and prints where its CPU went; the sampling costs a little
CPU of its own.
"""
import argparse
import json
import os
import tempfile
import time

from sqlalchemy import create_engine, text

from tests import dbutil
from tests.benchmarks.cpu_sampler import Sampler
from tests.benchmarks.worklist_web import _database
from tests.conftest import make_test_config
from tests.web import pathway_setup as setup
from webui import create_app
from webui.demo.filler import answers
from webui.demo.seed import DEMO_PASSWORD, seed_organisations, seed_users
from webui.extensions import db

TICK = os.sysconf("SC_CLK_TCK")
APP_NAME = "forlob-clinician-mix"
ROUTES = ("worklist", "task page", "draft save", "complete", "patient page")


def _proc_cpu(pid, children_done=False):
    """CPU seconds of one process from /proc (user + system; with its reaped children)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:  # the process ended between listing and reading
        return 0.0
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if children_done:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / TICK


def _descendants(root):
    """Pids of every live process below root."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parents[int(entry)] = int(handle.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    found, todo = set(), [root]
    while todo:
        parent = todo.pop()
        kids = [pid for pid, ppid in parents.items() if ppid == parent and pid not in found]
        found.update(kids)
        todo.extend(kids)
    return found


class ServerCpu:
    """Process CPU of this process, its sandbox workers and (PostgreSQL) this run's backends.

    Which processes count is looked up by `find` (outside the measured requests: listing
    /proc costs CPU of its own); `snapshot` then reads only those.
    """

    def __init__(self, kind):
        self.admin = create_engine(dbutil.POSTGRES_URL) if kind == "postgres" else None
        self.others = set()
        self.backends = set()

    def find(self):
        """Look up the sandbox workers and PostgreSQL backends of this run."""
        self.others = _descendants(os.getpid())
        if self.admin is not None:
            with self.admin.connect() as conn:
                self.backends = set(conn.scalars(
                    text("SELECT pid FROM pg_stat_activity WHERE application_name = :n"), {"n": APP_NAME}))
            self.others |= self.backends

    def part(self, pid):
        """Which part of the server a counted process is: web, sandbox or postgres."""
        if pid == os.getpid():
            return "web"
        return "postgres" if pid in self.backends else "sandbox"

    def snapshot(self):
        """{pid: CPU seconds} of every process counted (this one precisely, with reaped children)."""
        mine = os.times()
        cpu = {os.getpid(): time.process_time() + mine.children_user + mine.children_system}
        cpu.update({pid: _proc_cpu(pid, children_done=True) for pid in self.others})
        return cpu


def _spent(before, after):
    """CPU seconds spent between two snapshots (a process that appeared counts from zero)."""
    return sum(max(after[pid] - before.get(pid, 0.0), 0.0) for pid in after)


def _spent_by_part(meter, before, after):
    """The same, split into the web process, its sandbox workers and PostgreSQL's backends."""
    parts = {"web": 0.0, "sandbox": 0.0, "postgres": 0.0}
    for pid in after:
        parts[meter.part(pid)] += max(after[pid] - before.get(pid, 0.0), 0.0)
    return parts


def _round(client, pathway_id, patient_id, task_id, lock):
    """The five requests of one round, as (route, response) pairs."""
    url = f"/forloeb/{pathway_id}/opgaver/{task_id}"
    data = answers("audit")
    yield "worklist", client.get("/")
    yield "task page", client.get(url)
    yield "draft save", client.post(url, data={"action": "draft", **data}, headers={"X-Autosave": "1"})
    yield "complete", client.post(url, data={"action": "complete", "lock_version": lock, **data})
    yield "patient page", client.get(f"/patienter/{patient_id}")


def _sampled(sampler, requests):
    """The requests of a round, each sampled under its route's name (when sampling)."""
    routes = iter(ROUTES)
    while True:
        if sampler is not None:
            sampler.tag = next(routes, None)
        try:
            found = next(requests)
        except StopIteration:
            return
        finally:
            if sampler is not None:
                sampler.tag = None
        yield found


EXPECTED = {"worklist": 200, "task page": 200, "draft save": 204, "complete": 302, "patient page": 200}


def run(kind, rounds, sampler=None):
    """Seed `rounds` pathways, run the mix once as warm-up, then measured (and sampled); return figures."""
    os.environ.setdefault("FORLOB_INSTANCE_PATH", tempfile.mkdtemp(prefix="forlob-instance-"))
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    url, cleanup = _database(kind)
    if kind == "postgres":
        url += f"&application_name={APP_NAME}"
    try:
        create_app({"SQLALCHEMY_DATABASE_URI": url, "AUTO_MIGRATE": True, "TESTING": True})
        # production hashing: the login is outside the measured part anyway
        app = create_app(make_test_config(url, PASSWORD_HASH_METHOD=None))
        with app.app_context():
            seed_organisations()
            seed_users()
            db.session.commit()
            targets = []
            for i in range(rounds + 1):
                pathway = setup.to_opstart(cpr=f"0101{80 + i // 100:02d}{i % 100:02d}35", name=f"Mix {i}")
                item = setup.item_for(pathway.id, "audit")
                targets.append((pathway.id, pathway.patient_id, item.task_id, pathway.lock_version))
            db.session.remove()
        client = app.test_client()
        client.post("/login", data={"username": "psyk.kbh", "password": DEMO_PASSWORD})
        meter = ServerCpu(kind)
        for _route, _response in _round(client, *targets[0]):  # warm-up: caches, connections
            pass
        meter.find()
        per_route = dict.fromkeys(ROUTES, 0.0)
        total_before, wall = meter.snapshot(), time.perf_counter()
        if sampler is not None:
            sampler.start()
        for target in targets[1:]:
            before = meter.snapshot()
            for route, response in _sampled(sampler, _round(client, *target)):
                after = meter.snapshot()
                assert response.status_code == EXPECTED[route], (route, response.status_code,
                                                                 response.get_data(as_text=True)[:500])
                per_route[route] += _spent(before, after)
                before = after
        wall = time.perf_counter() - wall
        if sampler is not None:
            sampler.stop()
        total_after = meter.snapshot()
        total = _spent(total_before, total_after)
        parts = _spent_by_part(meter, total_before, total_after)
        known = set(meter.others)
        meter.find()  # a process started during the run counts with all its CPU
        for pid in meter.others - known:
            late = _proc_cpu(pid, children_done=True)
            total += late
            parts[meter.part(pid)] += late
        requests = rounds * len(ROUTES)
        cpu_ms = total * 1000 / requests
        return {"db": kind, "rounds": rounds, "requests": requests,
                "cpu_ms_per_request": round(cpu_ms, 1),
                "requests_per_second_two_cores": round(2000 / cpu_ms, 1),
                "wall_ms_per_request": round(wall * 1000 / requests, 1),
                "cpu_ms_by_route": {r: round(per_route[r] * 1000 / rounds, 1) for r in ROUTES},
                "cpu_ms_by_process": {k: round(v * 1000 / requests, 1) for k, v in parts.items()},
                "load_average": os.getloadavg()[0]}
    finally:
        cleanup()


def main():
    """Parse arguments, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--profile", action="store_true", help="sample where the CPU goes")
    args = parser.parse_args()
    sampler = Sampler() if args.profile else None
    result = run(args.db, args.rounds, sampler)
    if args.json:
        print(json.dumps(result))
        return
    if sampler is not None:
        print(sampler.report())
    for key, value in result.items():
        print(f"{key:30} {value}")


if __name__ == "__main__":
    main()
