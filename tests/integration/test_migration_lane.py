"""Timers and migrations are separate lanes of the worker: a hostile job cannot make a timer late.

Issue 19: a migration job whose every pathway burned its budget ran in the same loop as the
timer sweep, so the sweep (and the heartbeat) waited for the whole migration turn. Here the job
runs in the worker's migration lane while the timer sweep fires a due timer.
"""
import threading
import time
from datetime import timedelta

import pytest

from engine import service
from engine.migration import jobs
from engine.sandbox import isolation
from tests.integration import migration_helpers as h
from tests.integration.test_migration_budget import HOPELESS, slow_target
from webui.commands.migration_lane import MigrationLane
from webui.extensions import db

# long enough for the timer's honest evaluation on a loaded machine, short beside a job turn
BUDGET = 1.5


@pytest.fixture
def budget():
    """Sets the short budget when called: the set-up's honest steps keep the suite's own."""
    previous = isolation.SETTINGS["click_budget_s"]
    yield lambda: isolation.configure(click_budget_s=BUDGET)
    isolation.configure(click_budget_s=previous)


def test_a_hostile_migration_job_never_makes_a_timer_late(app, budget):
    with app.app_context():
        s = db.session
        h.deploy(s)
        hostile_ids = [h.mid_stage(s, n).id for n in range(1, 7)]
        timer_id = h.mid_stage(s, 9).id  # its DUDIT deadline timer is due at T0 + 14 days
        target = h.deploy(s, slow_target(HOPELESS))  # every pathway burns a whole click budget
        budget()
        job = jobs.create_job(s, target.id, "ejer", pathway_ids=hostile_ids)
        s.commit()
        job_id = job.id
        stopping = threading.Event()
        lane = MigrationLane(app, stopping, idle_wait=0.05, turn_seconds=30).start()
        try:
            deadline = time.monotonic() + 20
            while jobs.progress(s, job_id)["left"] == len(hostile_ids):  # the lane has begun
                assert time.monotonic() < deadline
                time.sleep(0.05)
                s.rollback()
            due = time.monotonic()
            fired = service.tick(s, now=h.T0 + timedelta(days=15), limit=50)
            s.commit()
            lateness = time.monotonic() - due
            busy = jobs.progress(s, job_id)["left"]
        finally:
            stopping.set()
            lane.join(30)
        assert fired >= 1
        assert busy > 0, "the job was still running while the timer fired"
        # a whole migration turn here lasts 6 x BUDGET; the timer did not wait for it
        assert lateness < 2 * BUDGET + 1.0, lateness
        assert service.pathway_data(s, timer_id) is not None
        state = jobs.progress(s, job_id)
        assert state["failed"] + state["left"] == len(hostile_ids) and state["done"] == 0
