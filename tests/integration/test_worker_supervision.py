"""The supervised timer worker: heartbeat, stop after the pathway in hand, back-off, SIGTERM."""
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from engine import service
from engine.clock import utcnow
from engine.models import Pathway
from engine.runtime.heartbeat import WorkerHeartbeat, alive
from tests.integration.engine_helpers import complete, start, to_ustabil
from webui.commands.worker import Supervisor
from webui.extensions import db


def _due_pathways(app, count):
    """`count` pathways whose 60-day deadline passed (the CLI sweeps on the wall clock)."""
    base = utcnow() - timedelta(days=70)
    with app.app_context():
        for n in range(count):
            pathway = start(db.session, n=n + 1, now=base)
            later = to_ustabil(db.session, pathway.id, now=base).updated_at
            complete(db.session, pathway.id, "ustabil_aktivitet", {"stable": True}, now=later)


def _still_due(app):
    with app.app_context():
        return len(db.session.scalars(select(Pathway.id).where(
            Pathway.next_due_at <= utcnow())).all())


def test_worker_writes_a_heartbeat_and_marks_itself_stopped(app, runner):
    result = runner.invoke(args=["engine", "worker", "--once", "--interval", "0"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        [row] = db.session.scalars(select(WorkerHeartbeat)).all()
        assert row.state == "stopped" and row.sweeps == 1 and row.pid == os.getpid()
        assert not alive(db.session)  # a stopped worker does not make the site ready


def test_sweep_stops_after_the_pathway_in_hand(app):
    _due_pathways(app, 3)
    asked = []

    def stop():
        asked.append(1)
        return len(asked) > 1  # a stop request arrives while the first pathway is handled

    with app.app_context():
        assert service.tick(db.session, stop=stop) == 1
        db.session.commit()
    assert _still_due(app) == 2
    with app.app_context():
        assert service.tick(db.session) == 2
        db.session.commit()


def test_lost_database_means_back_off_not_a_crash(app, monkeypatch):
    waits = []
    with app.app_context():
        supervisor = Supervisor(interval=0, max_backoff=4)
        monkeypatch.setattr(supervisor, "_wait", lambda delay: waits.append(delay))
        for _ in range(5):
            with supervisor.sweep():
                raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))
        assert supervisor.failures == 5 and supervisor.running()
        assert waits[0] < waits[1] < waits[2] and max(waits) <= 4 * 1.2  # grows, capped
        with supervisor.sweep():
            pass  # the database is back
        assert supervisor.failures == 0
        supervisor.finish()


def test_the_signal_handler_takes_no_lock_so_a_second_signal_cannot_deadlock_it(app):
    """Two SIGTERMs at once (the service manager's and serve.sh's trap's) left a timer worker
    hung for good: the handler called Event.set(), and the second one, run inside the first
    while it held the Event's lock, waited for that lock forever."""
    with app.app_context():
        supervisor = Supervisor(interval=60)
        try:
            with supervisor.stopping._cond:  # as the first handler held it, inside Event.set()
                handled = threading.Thread(target=supervisor._on_signal, args=(signal.SIGTERM, None))
                handled.start()
                handled.join(5)
                assert not handled.is_alive()  # it did not wait for the lock
            started = time.monotonic()
            supervisor.sleep()  # wakes at once on the handler's byte, not after 60 s
            assert time.monotonic() - started < 5
            assert supervisor.stop_requested() and not supervisor.running()
        finally:
            supervisor.finish()


def test_sigterm_ends_the_worker_cleanly(app, database_url, tmp_path):
    env = dict(os.environ, DATABASE_URL=database_url, FLASK_APP="webui", FORLOB_AUTO_MIGRATE="0",
               FORLOB_DEPLOY_ON_START="0", FORLOB_INSTANCE_PATH=str(tmp_path),
               PYTHONUNBUFFERED="1")
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    worker = subprocess.Popen([flask, "engine", "worker", "--interval", "60"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with app.app_context():
                row = db.session.scalar(select(WorkerHeartbeat))
                db.session.remove()
            if row is not None:
                break
            time.sleep(0.2)
        assert row is not None and row.state == "running"
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=20) == 0  # not killed: it stopped itself
    finally:
        if worker.poll() is None:
            worker.kill()
    with app.app_context():
        assert db.session.scalar(select(WorkerHeartbeat.state)) == "stopped"
