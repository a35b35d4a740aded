"""Steps that failed in the sandbox: recorded (with an audit entry) and counted per element."""
import logging
from datetime import datetime

from sqlalchemy import func, select

from engine import audit
from engine.clock import utcnow
from engine.models import Pathway, SandboxFailure

log = logging.getLogger(__name__)


def annotate(exc, pathway=None, patient_id=None, version_id=None):
    """Fill in where a violation happened (the facade calls this before re-raising)."""
    if pathway is not None:
        exc.pathway_id = exc.pathway_id or pathway.id
        patient_id = patient_id or pathway.patient_id
        version_id = version_id or pathway.version_id
    exc.patient_id = exc.patient_id or patient_id
    exc.version_id = exc.version_id or version_id
    return exc


def record(session, exc, actor, source=""):
    """Log a violation, store it for the versions page and audit it (the caller commits).

    Call it after the failed step's transaction was rolled back: nothing of the step is saved,
    only this trace of it."""
    log.warning("sandbox violation by %s: pathway %s (version %s), element %s, limit %s: %s",
                actor, exc.pathway_id, exc.version_id, exc.element, exc.limit, exc.reason)
    if exc.pathway_id is not None and exc.version_id is None:
        exc.version_id = session.scalar(select(Pathway.version_id)
                                        .where(Pathway.id == exc.pathway_id))
    session.add(SandboxFailure(at=utcnow(), actor=actor or "system", version_id=exc.version_id,
                               element=(exc.element or "")[:200], limit_kind=(exc.limit or "")[:20],
                               pathway_id=exc.pathway_id, patient_id=exc.patient_id,
                               message=(exc.reason or "")[:300]))
    audit.record(session, actor, "sandbox.violation", patient_id=exc.patient_id,
                 pathway_id=exc.pathway_id, source=source,
                 detail=f"version {exc.version_id}, element {exc.element or '?'}, "
                        f"limit {exc.limit}: {exc.reason}")
    session.flush()


def counts_by_version(session, version_ids):
    """{version_id: [(element, limit, count, last_at), ...]} for the versions page, most first."""
    if not version_ids:
        return {}
    rows = session.execute(
        select(SandboxFailure.version_id, SandboxFailure.element, SandboxFailure.limit_kind,
               func.count(), func.max(SandboxFailure.at))
        .where(SandboxFailure.version_id.in_(list(version_ids)))
        .group_by(SandboxFailure.version_id, SandboxFailure.element, SandboxFailure.limit_kind)
        .order_by(func.count().desc()))
    result: dict[int, list[tuple[str, str, int, datetime]]] = {}
    for version_id, element, limit, count, last in rows:
        result.setdefault(version_id, []).append((element, limit, count, last))
    return result
