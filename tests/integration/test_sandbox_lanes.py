"""Clinicians first: process owners' evaluations use their own sandbox pool (the owner lane).

Reproduces the flood of the issue at pool level: the owner lane is saturated with slow work
while a clinician evaluates. Before the lanes, the clinician waited for (or failed with "no
sandbox worker became free") the owners' workers; now it never waits for them.
"""
import os
import threading
import time

import pytest

from engine import modeling
from engine.errors import SandboxViolation
from engine.migration import moves
from engine.sandbox import isolation

WAIT = 60  # seconds a state may take to arrive under load (waited for, never slept)
# compares two 2**64-leaf shared structures in C: runs until the deadline kills the worker
SLOW = ("a = [0]\nb = [0]\nfor i in range(64):\n    n = []\n    n.append(a)\n"
        "    n.append(a)\n    a = n\n    m = []\n    m.append(b)\n    m.append(b)\n"
        "    b = m\nl = []\nl.append(a)\nx = l.count(b)")


@pytest.fixture
def one_owner_worker():
    isolation.configure(owner_workers=1)
    # idle owner workers left by earlier tests would outnumber the new limit
    isolation.pool("owner").shutdown()
    yield
    isolation.configure(owner_workers=2)


def _owner_busy(seconds, started, outcome):
    with isolation.lane("owner"), isolation.click(seconds):
        started.set()
        try:
            isolation.execute(SLOW, {})
        except SandboxViolation as exc:
            outcome.append(exc.limit)


def test_a_saturated_owner_lane_never_makes_a_clinician_wait(one_owner_worker):
    isolation.evaluate("1", {})  # a warm clinical pool: the click, not a start, is timed
    assert isolation.pool().wait_idle(30)
    started, outcome = threading.Event(), []
    owner = threading.Thread(target=_owner_busy, args=(2.0, started, outcome))
    owner.start()
    assert started.wait(WAIT)
    owners = isolation.pool("owner")
    deadline = time.monotonic() + WAIT  # until the only owner worker is started and leased
    while not (owners.live and not owners.idle and owners.count >= owners.limit()):
        assert time.monotonic() < deadline and owner.is_alive(), (owners.live, owners.idle, outcome)
        time.sleep(0.01)
    try:
        began = time.monotonic()
        with isolation.click(1.0):
            assert isolation.evaluate("sum(range(100))", {}) == 4950
        clinician_s = time.monotonic() - began
        assert owner.is_alive() and not outcome  # the owner's work was still running meanwhile
        # a second owner waits for the owner lane only, and fails on its own budget
        with isolation.lane("owner"), isolation.click(0.3), \
                pytest.raises(SandboxViolation, match="no owner sandbox worker became free"):
            isolation.evaluate("1", {})
    finally:
        owner.join(10)
    assert clinician_s < 0.5, clinician_s
    assert outcome == ["time"]  # the slow owner work failed itself, on its own deadline


def test_lanes_are_contextual_and_owner_work_is_marked():
    seen = []

    @modeling.owner_work
    def owners_job():
        seen.append(isolation.current_lane())

    owners_job()
    seen.append(isolation.current_lane())
    assert seen == ["owner", "clinical"]
    with pytest.raises(ValueError):
        isolation.enter_lane("vip")


def test_migration_and_scenario_entry_points_run_in_the_owner_lane():
    marker = isolation.owner_work(lambda: 0).__code__  # the owner lane's wrapper
    for function in (modeling.dry_run, modeling.run_batch, modeling.auto_migrate_if_safe,
                     modeling.check_candidate, moves.migrate):
        assert function.__code__ is marker, function.__name__


def _autogroup(pid):
    """The kernel's scheduling autogroup of a process, or None where autogroups do not apply.

    Without CONFIG_SCHED_AUTOGROUP the file is missing; inside a CPU cgroup of its own (a
    container, as in CI) the kernel leaves it empty, because the cgroup then schedules."""
    try:
        with open(f"/proc/{pid}/autogroup") as handle:
            fields = handle.read().split()
    except OSError:
        return None
    return fields[0] if fields else None


def test_owners_workers_stay_in_the_services_session_and_scheduling_group():
    """A session of its own made each owner's worker an autogroup of its own, which competes
    with the whole service as an equal whatever its niceness or SCHED_IDLE (issue 19)."""
    owner, clinical = isolation.Worker(lane="owner"), isolation.Worker(lane="clinical")
    try:
        assert os.getsid(owner.proc.pid) == os.getsid(0)
        assert os.getpgid(owner.proc.pid) == owner.proc.pid  # a terminal's Ctrl-C misses it
        assert _autogroup(owner.proc.pid) == _autogroup(os.getpid())
        assert os.getsid(clinical.proc.pid) == clinical.proc.pid  # unchanged: a session of its own
    finally:
        owner.kill()
        clinical.kill()
