"""Liveness, readiness and metrics for load balancers, orchestrators and operators."""
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, Response, abort, jsonify, request
from flask_login import current_user
from sqlalchemy import text

from engine import service
from webui import MIGRATIONS_DIR
from webui.access import has_area
from webui.extensions import csrf, db
from webui.ops import metrics

bp = Blueprint("health", __name__)
_SCRIPTS = {}  # migrations directory → its ScriptDirectory (the files do not change at run time)


@bp.get("/healthz")
@csrf.exempt
def healthz():
    """The process is alive and serving (no database: a database outage must not restart us)."""
    return jsonify(status="ok")


def _scripts():
    """The migrations shipped with this code."""
    if MIGRATIONS_DIR not in _SCRIPTS:
        _SCRIPTS[MIGRATIONS_DIR] = ScriptDirectory(MIGRATIONS_DIR)
    return _SCRIPTS[MIGRATIONS_DIR]


def _expected_heads():
    """The head revisions of the migrations shipped with this code."""
    return set(_scripts().get_heads())


def _migration_state(current):
    """"ok" when the database is at this code's head, or ahead of it (a newer release migrated
    first, see docs/operations.md on upgrades); otherwise why not."""
    expected = _expected_heads()
    if current == expected:
        return "ok"
    known = set()
    for revision in current:
        try:
            _scripts().get_revision(revision)
            known.add(revision)
        except Exception:  # noqa: S110 - alembic raises several kinds for an unknown id
            pass
    if current and not known:
        return "ok"  # every revision is newer than this code knows: expand-only upgrades
    return f"database at {sorted(current) or 'none'}, code expects {sorted(expected)}"


def _checks():
    """{check: "ok" | reason} for what this web node needs to serve: the database, the
    migrations and its own sandbox. The timer worker is not one of them (/readyz/worker)."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means the database is unusable
        db.session.rollback()
        return {"database": f"unreachable ({type(exc).__name__})", "migrations": "unknown",
                "sandbox": service.sandbox_answers()}
    checks = {"database": "ok"}
    current = set(MigrationContext.configure(db.session.connection()).get_current_heads())
    checks["migrations"] = _migration_state(current)
    db.session.rollback()
    checks["sandbox"] = service.sandbox_answers()
    return checks


def _answer(checks):
    """200 "ready" when every check is "ok", else 503 "not ready"; the checks either way."""
    ready = all(value == "ok" for value in checks.values())
    return jsonify(status="ready" if ready else "not ready", checks=checks), 200 if ready else 503


@bp.get("/readyz")
@csrf.exempt
def readyz():
    """This web node can serve: database reachable, migrations current, its sandbox answers.

    It never depends on the timer worker: a stopped worker must not take web nodes out. Its
    `confinement` detail says which sandbox lockdown layers hold; a kernel without Landlock or
    seccomp does not make the node unready, but it is reported here (and logged)."""
    response, status = _answer(_checks())
    payload = response.get_json()
    payload["confinement"] = service.sandbox_confinement()
    return jsonify(payload), status


@bp.get("/readyz/worker")
@csrf.exempt
def readyz_worker():
    """A timer worker is alive (a fresh heartbeat): for alerting, not for load balancers."""
    try:
        alive = service.worker_alive(db.session)
    except Exception as exc:  # any driver error: the worker's state cannot be known
        db.session.rollback()
        return _answer({"database": f"unreachable ({type(exc).__name__})", "worker": "unknown"})
    db.session.rollback()
    return _answer({"worker": "ok" if alive else "no timer-worker heartbeat in the last minute"})


@bp.get("/metrics")
@csrf.exempt
def metrics_view():
    """Prometheus metrics, for administrators or a scraper holding the configured token."""
    if not metrics.token_ok(request.headers.get("Authorization", "")):
        if not current_user.is_authenticated:
            return Response("metrics need an administrator login or the scrape token\n", 401,
                            {"WWW-Authenticate": "Bearer"}, mimetype="text/plain")
        if not has_area(current_user, "admin"):
            abort(403)
    body = metrics.render(db.session)
    db.session.rollback()
    return Response(body, mimetype=None, content_type=metrics.CONTENT_TYPE)
