"""Audit from the web edge: who (current user), from where (the request's address)."""
from flask import request
from flask_login import current_user

from engine.audit import record
from webui.extensions import db


def audit(action: str, patient_id=None, pathway_id=None, detail: str = "") -> None:
    """Record one audit entry for the current request in the current transaction."""
    actor = current_user.username if current_user.is_authenticated else "anonymous"
    record(db.session, actor, action, patient_id=patient_id, pathway_id=pathway_id,
           detail=detail[:500], source=request.remote_addr or "")
