"""Draft saves racing each other and completions, with real threads on SQLite and PostgreSQL.

Each test forces one interleaving with events, so it never depends on timing luck: the
answer is always a stored draft or TaskClosed, never a database error, and no draft is
left behind for a task that is no longer open.
"""
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import service
from engine.errors import TaskClosed
from engine.models import TaskDraft, TaskRecord, WorklistItem
from engine.runtime import draft_store, pathways
from tests.integration.engine_helpers import T0, only_task, start, to_ustabil
from tests.integration.pathway_driver import Driver, at
from webui.extensions import db

WAIT = 30  # seconds an event may take at most before the test fails (never slept on)


def _threads(*targets):
    """Run each target in its own thread; return their results or the exceptions they raised."""
    results = [None] * len(targets)

    def wrap(i, target):
        try:
            results[i] = target()
        except Exception as exc:  # collected and asserted on by the test
            results[i] = exc
    threads = [threading.Thread(target=wrap, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT * 2)
    return results


def _open_task(app):
    """(pathway_id, task_id) of a pathway in Ustabil with one open "ustabil_aktivitet" task."""
    pathway = start(db.session)
    to_ustabil(db.session, pathway.id)
    item = only_task(db.session, pathway.id, "ustabil_aktivitet")
    ids = pathway.id, item.task_id
    db.session.commit()
    return ids


def _save(bind, pathway_id, task_id, text, actor):
    with Session(bind) as session:
        service.save_draft(session, pathway_id, task_id, {"note": text}, actor, now=T0)
        session.commit()
        return "saved"


def _complete(bind, pathway_id, task_id):
    with Session(bind) as session:
        service.complete_task(session, pathway_id, task_id, {"stable": True}, "alice", now=T0)
        session.commit()
        return "completed"


def _drafts(pathway_id):
    db.session.expire_all()
    return db.session.scalars(select(TaskDraft).where(TaskDraft.pathway_id == pathway_id)).all()


def test_two_first_saves_at_once_store_one_draft(app, monkeypatch):
    with app.app_context():
        pathway_id, task_id = _open_task(app)
        both_in = threading.Barrier(2, timeout=WAIT)
        real = draft_store.open_task

        def together(session, pid, tid, lock=False):
            if lock:  # both saves have begun and found no draft: now both write
                both_in.wait()
            return real(session, pid, tid, lock=lock)
        monkeypatch.setattr(draft_store, "open_task", together)
        bind = db.engine
        results = _threads(lambda: _save(bind, pathway_id, task_id, "mine", "bob"),
                           lambda: _save(bind, pathway_id, task_id, "theirs", "carl"))
        assert results == ["saved", "saved"], results
        [draft] = _drafts(pathway_id)
        assert draft.task_id == task_id and draft.data["note"] in ("mine", "theirs")
        assert draft.actor == {"mine": "bob", "theirs": "carl"}[draft.data["note"]]


def test_a_save_that_wins_the_race_is_removed_with_the_completed_task(app, monkeypatch):
    with app.app_context():
        pathway_id, task_id = _open_task(app)
        written, tried = threading.Event(), threading.Event()
        real_upsert, real_load = draft_store.upsert, pathways.load

        def upsert_then_hold(*args):
            real_upsert(*args)
            written.set()
            tried.wait(WAIT)  # the completion has started and must now wait for this save
        monkeypatch.setattr(draft_store, "upsert", upsert_then_hold)

        def load_after_save(*args, **kwargs):
            assert written.wait(WAIT)
            tried.set()
            return real_load(*args, **kwargs)
        monkeypatch.setattr(pathways, "load", load_after_save)
        bind = db.engine
        results = _threads(lambda: _save(bind, pathway_id, task_id, "mine", "bob"),
                           lambda: _complete(bind, pathway_id, task_id))
        assert results == ["saved", "completed"], results
        assert _drafts(pathway_id) == []  # completed: its draft went with it, no orphan


def test_a_save_that_loses_the_race_gets_task_closed_and_stores_nothing(app, monkeypatch):
    with app.app_context():
        pathway_id, task_id = _open_task(app)
        flushed, saving = threading.Event(), threading.Event()
        real_save, real_open = pathways.save, draft_store.open_task

        def save_then_hold(*args):
            real_save(*args)  # the worklist row is deleted, not yet committed
            flushed.set()
            # the save has started: it reached its locking read, which on PostgreSQL now waits
            # for this completion's commit (set before that read, so never a deadlock)
            assert saving.wait(WAIT), "the save never started"

        def open_after_completion(session, pid, tid, lock=False):
            if lock:
                assert flushed.wait(WAIT)
                saving.set()
            return real_open(session, pid, tid, lock=lock)
        monkeypatch.setattr(pathways, "save", save_then_hold)
        monkeypatch.setattr(draft_store, "open_task", open_after_completion)
        bind = db.engine
        results = _threads(lambda: _save(bind, pathway_id, task_id, "mine", "bob"),
                           lambda: _complete(bind, pathway_id, task_id))
        assert isinstance(results[0], TaskClosed) and results[1] == "completed", results
        assert _drafts(pathway_id) == []


def test_saving_a_closed_task_is_task_closed_not_a_database_error(app):
    with app.app_context():
        pathway_id, task_id = _open_task(app)
        assert _complete(db.engine, pathway_id, task_id) == "completed"
        with pytest.raises(TaskClosed):
            service.save_draft(db.session, pathway_id, task_id, {"note": "late"}, "bob")
        db.session.rollback()
        assert _drafts(pathway_id) == []


def test_a_draft_keeps_values_a_migration_set_aside(app):
    with app.app_context():
        pathway_id, task_id = _open_task(app)
        service.save_draft(db.session, pathway_id, task_id, {"note": "one"}, "bob")
        db.session.commit()
        draft = service.get_draft(db.session, pathway_id, task_id)
        draft.data = {**draft.data, service.PREVIOUS_KEY: {"values": {"old": 1}}}
        db.session.commit()
        service.save_draft(db.session, pathway_id, task_id, {"note": "two"}, "bob")
        db.session.commit()
        assert service.get_draft(db.session, pathway_id, task_id).data == {
            "note": "two", service.PREVIOUS_KEY: {"values": {"old": 1}}}


def _ustabil(session):
    drv = Driver(session, at("2025-09-01"))
    pathway = drv.through_opstart(drv.enrol(drv.refer("1101901002")), "ustabil")
    tasks = {i.task_spec: i.task_id for i in drv.items(pathway) if i.kind == "task"}
    return drv, pathway, tasks


def test_a_draft_follows_its_task_into_the_next_cycle(app):
    with app.app_context():
        drv, pathway, tasks = _ustabil(db.session)
        service.save_draft(db.session, pathway.id, tasks["ustabil_municipal"],
                           {"note": "netværksmøde aftalt"}, "kommune.kbh")
        service.save_draft(db.session, pathway.id, tasks["ustabil_activity"],
                           {"note": "own draft"}, "kliniker")
        db.session.commit()
        # the other lane's "Registrér aktivitet" ends the cycle: "Registrér kommunal indsats" closes
        pathway = drv.do(pathway, "ustabil_activity", activity_type="behandlingssamtale")
        db.session.commit()
        now_open = {i.task_spec: i.task_id for i in drv.items(pathway) if i.kind == "task"}
        assert now_open["ustabil_municipal"] != tasks["ustabil_municipal"]  # a new cycle's task
        [draft] = _drafts(pathway.id)  # the completed task's own draft is gone
        assert (draft.task_id, draft.closed_at) == (now_open["ustabil_municipal"], None)
        assert draft.data == {"note": "netværksmøde aftalt"} and draft.actor == "kommune.kbh"
        assert service.get_draft(db.session, pathway.id, now_open["ustabil_municipal"]) == draft
        done, kept = service.task_fate(db.session, pathway.id, tasks["ustabil_municipal"])
        assert (done, kept) == (None, None)  # closed uncompleted; its draft moved on
        done, _ = service.task_fate(db.session, pathway.id, tasks["ustabil_activity"])
        assert done.actor == "kliniker" and done.task_spec == "ustabil_activity"


def test_a_draft_whose_task_has_no_successor_is_kept_closed(app):
    with app.app_context():
        drv, pathway, tasks = _ustabil(db.session)
        service.save_draft(db.session, pathway.id, tasks["ustabil_municipal"],
                           {"note": "ikke færdig"}, "kommune.kbh")
        db.session.commit()
        pathway = drv.do(pathway, "ustabil_assess", phase_decision="stabil")  # phase changes
        db.session.commit()
        assert pathway.stage == "stabil"
        assert service.get_draft(db.session, pathway.id, tasks["ustabil_municipal"]) is None
        [kept] = service.closed_drafts(db.session, pathway.id)
        assert kept.task_id == tasks["ustabil_municipal"] and kept.data == {"note": "ikke færdig"}
        assert kept.closed_reason == "Fasevurdering" and kept.title == "Registrér kommunal indsats"
        assert service.task_fate(db.session, pathway.id, kept.task_id)[1] == kept
        service.discard_closed_draft(db.session, pathway.id, kept.task_id)
        db.session.commit()
        assert service.closed_drafts(db.session, pathway.id) == []
        # and nothing is left over that belongs to no open task and is not shown
        open_ids = set(db.session.scalars(select(WorklistItem.task_id).where(
            WorklistItem.pathway_id == pathway.id)))
        assert all(d.task_id in open_ids or d.closed_at for d in _drafts(pathway.id))
        assert db.session.scalar(select(func.count(TaskRecord.id)).where(
            TaskRecord.task_id == tasks["ustabil_assess"])) == 1
