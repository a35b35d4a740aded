"""A clinician completes a task while the worker migrates the same pathway (real threads)."""
import threading

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import service
from engine.errors import Conflict
from engine.migration import jobs
from engine.migration.models import MigrationItem
from engine.models import Pathway, TaskRecord
from engine.runtime import pathways
from tests.integration import migration_helpers as h
from tests.integration.test_engine_concurrency import needs_postgres, run_threads
from webui.extensions import db

WAIT = 60  # seconds a thread may take to reach a state under load (waited for, never slept)


@pytest.mark.parametrize("first", ["clinician", "migration"])
def test_clinician_completes_while_the_pathway_migrates(app, monkeypatch, first):
    with app.app_context():
        needs_postgres()
        s = db.session
        h.deploy(s)
        pathway = h.mid_stage(s)
        dudit = h.task(s, pathway.id, "dudit")
        pathway_id, task_id, lock = pathway.id, dudit.task_id, pathway.lock_version
        target = h.deploy(s, h.relabel)
        job = jobs.create_job(s, target.id, "owner")
        s.commit()
        job_id, target_id = job.id, target.id

        bind = db.engine
        barrier = threading.Barrier(2, timeout=WAIT)
        first_wrote = threading.Event()
        real_save = pathways.save

        def save_together(session, live, now):
            barrier.wait()  # both have loaded and stepped; now both write
            if (threading.current_thread().name == "clinician") != (first == "clinician"):
                # the other one writes first (its row update is flushed: it holds the row)
                assert first_wrote.wait(WAIT), "the first writer never wrote"
                return real_save(session, live, now)
            try:
                return real_save(session, live, now)
            finally:
                first_wrote.set()
        monkeypatch.setattr(pathways, "save", save_together)

        def work(i):
            threading.current_thread().name = "clinician" if i == 0 else "worker"
            with Session(bind) as session:
                if i == 0:
                    service.complete_task(session, pathway_id, task_id, {"drugs": "nej"},
                                          "kim", expected_lock=lock, now=h.LATER)
                    session.commit()
                    return "clinician"
                jobs.run_batch(session, session.commit, now=h.LATER)
                item = session.scalars(select(MigrationItem)).one()
                if item.status != "done":
                    raise Conflict(item.reason)
                return "migration"
        results = run_threads(2, work)
        monkeypatch.setattr(pathways, "save", real_save)
        winners = [r for r in results if isinstance(r, str)]
        losers = [r for r in results if isinstance(r, Conflict)]
        assert winners == [first] and len(losers) == 1, results
        s.expire_all()
        if winners == ["clinician"]:
            # the submission is in; the worker retries the pathway in its next batch
            assert s.get(Pathway, pathway_id).version_id == 1
            assert h.open_specs(s, pathway_id) == ["plan"]
            item = s.scalars(select(MigrationItem)).one()
            assert (item.status, item.attempts) == ("pending", 1)
            plan_id = h.task(s, pathway_id, "plan").task_id
            jobs.run_batch(s, s.commit, now=h.LATER)
            s.expire_all()
            assert s.get(Pathway, pathway_id).version_id == target_id
            assert h.task(s, pathway_id, "plan").task_id == plan_id
        else:
            # the clinician gets the usual conflict; the task is still open with the same id,
            # so the (kept) input can be submitted again on the new version
            assert s.get(Pathway, pathway_id).version_id == target_id
            assert h.task(s, pathway_id, "dudit").task_id == task_id
            service.complete_task(s, pathway_id, task_id, {"drugs": "nej"}, "kim",
                                  expected_lock=s.get(Pathway, pathway_id).lock_version,
                                  now=h.LATER)
            s.commit()
            assert h.open_specs(s, pathway_id) == ["plan"]
        assert jobs.progress(s, job_id)["done"] == 1
        assert len(s.scalars(select(TaskRecord).where(TaskRecord.task_spec == "dudit")).all()) == 1
