"""Claiming the oldest queued background job of a kind (validation, dry run) for one worker."""
from sqlalchemy import select, update

from engine import clock


def claim_oldest(session, model, runner):
    """The oldest queued job of `model`, now marked running for `runner` (one UPDATE: never twice)."""
    job_id = session.scalar(select(model.id).where(model.status == "queued")
                            .order_by(model.id).limit(1))
    if job_id is None:
        return None
    taken = session.execute(update(model).where(model.id == job_id, model.status == "queued")
                            .values(status="running", claimed_by=runner, started_at=clock.utcnow())
                            .execution_options(synchronize_session=False))
    session.commit()
    return session.get(model, job_id) if taken.rowcount == 1 else None
