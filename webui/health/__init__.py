"""Health endpoint for load balancers and monitoring."""
from flask import Blueprint, jsonify
from sqlalchemy import text

from webui.extensions import csrf, db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@csrf.exempt
def healthz():
    """Report whether the database answers."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means the database is unusable
        db.session.rollback()
        return jsonify(status="error", database="unreachable", detail=type(exc).__name__), 503
    return jsonify(status="ok", database="ok")
