"""Helpers of the fault tests: timer-worker processes, waiting for recovery, stepping pathways."""
import os
import subprocess
import time

from engine import service
from engine.models import Pathway, WorklistItem
from engine.runtime.heartbeat import latest_beat
from forms.validation import validate
from tests.load import harness
from tests.load.clinic import OVERRIDES
from webui.demo.filler import answers
from webui.extensions import db


def plain_url(url):
    """A libpq URL (no SQLAlchemy driver suffix) for pg_dump and friends."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def timer_worker(database_url, limit, log):
    """Start one `flask engine worker` sweeping continuously."""
    env = dict(os.environ, DATABASE_URL=database_url, FLASK_APP="webui", FORLOB_AUTO_MIGRATE="0",
               PYTHONUNBUFFERED="1", FORLOB_LOG_JSON="1", SECRET_KEY="fault-tests")
    return subprocess.Popen([str(harness.VENV / "flask"), "engine", "worker", "--interval", "0",
                             "--limit", str(limit)], cwd=harness.ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=log, text=True)


def until_serving(server, timeout=30):
    """Wait until every gunicorn worker slot is filled again and the site answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(server.web_worker_pids()) >= server.web_workers and server.get("/healthz")[0] == 200:
            return
        time.sleep(0.05)


def beat_after(app, moment, timeout=60) -> bool:
    """True once a timer worker has beaten after `moment` (within `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.app_context():
            try:
                last = latest_beat(db.session)
            except Exception:  # noqa: BLE001 - the database may still be coming back
                last = None
            db.session.remove()
        if last is not None and last > moment:
            return True
        time.sleep(0.5)
    return False


def step_all(app) -> dict:
    """Load every active pathway and take one step: complete a task, else fire timers."""
    stepped, failures = 0, []
    with app.app_context():
        for pathway_id in db.session.scalars(
                db.select(Pathway.id).where(Pathway.status == "active")).all():
            try:
                item = db.session.scalar(db.select(WorklistItem).where(
                    WorklistItem.pathway_id == pathway_id, WorklistItem.kind == "task")
                    .order_by(WorklistItem.id).limit(1))
                if item is not None:
                    data = validate(item.form_id, answers(item.form_id, OVERRIDES.get(item.form_id)))
                    service.complete_task(db.session, pathway_id, item.task_id, data, "restore")
                else:
                    service.tick(db.session)
                db.session.commit()
                stepped += 1
            except Exception as exc:  # noqa: BLE001 - any failure is a finding
                db.session.rollback()
                failures.append([pathway_id, type(exc).__name__])
        db.session.remove()
    return {"stepped": stepped, "step_failures": failures}
