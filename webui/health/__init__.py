"""Liveness, readiness and metrics for load balancers, orchestrators and operators."""
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, Response, abort, jsonify, request
from flask_login import current_user
from sqlalchemy import text

from engine.service import worker_alive
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
    """{check: "ok" | reason} for the database, the migrations and the timer workers."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means the database is unusable
        db.session.rollback()
        return {"database": f"unreachable ({type(exc).__name__})", "migrations": "unknown",
                "worker": "unknown"}
    checks = {"database": "ok"}
    current = set(MigrationContext.configure(db.session.connection()).get_current_heads())
    checks["migrations"] = _migration_state(current)
    checks["worker"] = "ok" if worker_alive(db.session) else \
        "no timer-worker heartbeat in the last minute"
    db.session.rollback()
    return checks


@bp.get("/readyz")
@csrf.exempt
def readyz():
    """Ready for traffic: database reachable, migrations current, a timer worker alive."""
    checks = _checks()
    ready = all(value == "ok" for value in checks.values())
    return jsonify(status="ready" if ready else "not ready", checks=checks), 200 if ready else 503


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
