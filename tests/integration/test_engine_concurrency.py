"""Concurrency with real threads: one winner per task, timers fired once across workers."""
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import service
from engine.errors import Conflict
from engine.models import Pathway, TaskRecord, WorklistItem
from engine.runtime import pathways
from tests.integration.engine_helpers import T0, complete, only_task, start, to_ustabil
from webui.extensions import db


def needs_postgres():
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks and parallel writers need PostgreSQL (FORLOB_TEST_DB=postgres)")


def run_threads(count, target):
    """Run target(i) in `count` threads; return their results or exceptions."""
    results = [None] * count

    def wrap(i):
        try:
            results[i] = target(i)
        except Exception as exc:  # collected and asserted on by the test
            results[i] = exc
    threads = [threading.Thread(target=wrap, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_two_people_complete_the_same_task_at_once(app, monkeypatch):
    with app.app_context():
        needs_postgres()
        pathway = start(db.session)
        to_ustabil(db.session, pathway.id)
        item = only_task(db.session, pathway.id, "ustabil_aktivitet")
        pathway_id, task_id = pathway.id, item.task_id
        records_before = db.session.scalar(select(func.count(TaskRecord.id)))
        db.session.commit()

        bind = db.engine
        barrier = threading.Barrier(2, timeout=30)
        real_save = pathways.save

        def save_together(session, live, now):
            barrier.wait()  # both have loaded and stepped; now both write
            return real_save(session, live, now)
        monkeypatch.setattr(pathways, "save", save_together)

        def click(i):
            with Session(bind) as session:
                service.complete_task(session, pathway_id, task_id,
                                      {"stable": i == 0}, f"user{i}", now=T0)
                session.commit()
                return "ok"
        results = run_threads(2, click)
        assert sorted(map(type, results), key=str) == sorted([str, Conflict], key=str), results
        db.session.expire_all()
        assert db.session.scalar(select(func.count(TaskRecord.id)).where(
            TaskRecord.kind == "task")) == 3
        assert db.session.scalar(select(func.count(TaskRecord.id))) == records_before + 2
        assert db.session.scalar(select(func.count(WorklistItem.id))) == 1
        winner = 0 if results[0] == "ok" else 1
        expected = "stabil" if winner == 0 else "ustabil"
        assert db.session.get(Pathway, pathway_id).stage == expected


def test_parallel_workers_fire_each_timer_once(app):
    with app.app_context():
        needs_postgres()
        ids = []
        for n in range(10):
            pathway = start(db.session, n=n + 1)
            to_ustabil(db.session, pathway.id)
            complete(db.session, pathway.id, "ustabil_aktivitet", {"stable": True})
            ids.append(pathway.id)
        db.session.commit()
        later = datetime(2026, 6, 1, tzinfo=UTC)
        bind = db.engine

        def worker(i):
            with Session(bind) as session:
                fired = service.tick(session, now=later, limit=3)
                fired += service.tick(session, now=later, limit=100)
                session.commit()
                return fired
        results = run_threads(4, worker)
        assert all(isinstance(r, int) for r in results), results
        assert sum(results) == 10
        db.session.expire_all()
        assert db.session.scalar(select(func.count(TaskRecord.id)).where(
            TaskRecord.kind == "timer", TaskRecord.task_spec == "s_deadline")) == 10
        stages = db.session.scalars(select(Pathway.stage).where(Pathway.id.in_(ids))).all()
        assert set(stages) == {"ustabil"}


def test_sequential_stale_click_on_any_database(app):
    with app.app_context():
        pathway = start(db.session)
        item = only_task(db.session, pathway.id)
        lock = pathway.lock_version
        service.complete_task(db.session, pathway.id, item.task_id,
                              {"accepted": False, "severity": 1}, "a", expected_lock=lock)
        db.session.commit()
        with pytest.raises(Conflict):
            service.complete_task(db.session, pathway.id, item.task_id, {}, "b",
                                  expected_lock=lock)
