"""The audit trail: who did what, when and from where."""
from engine.clock import utcnow
from engine.models import AuditEntry


def record(session, actor, action, patient_id=None, pathway_id=None, detail="", source=""):
    """Add an audit entry to the session (the caller commits) and return it."""
    entry = AuditEntry(at=utcnow(), actor=actor or "system", action=action,
                       patient_id=patient_id, pathway_id=pathway_id,
                       detail=str(detail or "")[:4000], source=source or "")
    session.add(entry)
    return entry
