"""Timer-worker heartbeats: each worker process keeps one row fresh, so readiness can see it."""
import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import DateTime, Integer, String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from engine import clock
from engine.db import Base

STALE_AFTER = timedelta(minutes=1)  # readiness wants a beat at least this fresh
FORGET_AFTER = timedelta(days=1)    # rows of workers gone this long are removed


class WorkerHeartbeat(Base):
    """The last sign of life of one timer-worker process."""

    __tablename__ = "worker_heartbeat"
    worker_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    host: Mapped[str] = mapped_column(String(100))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    beat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    sweeps: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(20), default="running")


def worker_identity() -> str:
    """A stable id for this process: host name and pid."""
    return f"{socket.gethostname()[:100]}:{os.getpid()}"


def beat(session, worker_id, started_at, state="running", swept=False, now=None):
    """Insert or refresh this worker's row (the caller commits)."""
    now = now or clock.utcnow()
    row = session.get(WorkerHeartbeat, worker_id)
    if row is None:
        host, _, pid = worker_id.rpartition(":")
        row = WorkerHeartbeat(worker_id=worker_id, host=host[:100], pid=int(pid or 0),
                              started_at=started_at, sweeps=0)
        session.add(row)
    row.beat_at, row.state = now, state
    row.sweeps = (row.sweeps or 0) + (1 if swept else 0)
    session.flush()
    return row


def forget_old(session, now=None):
    """Delete rows of workers that stopped long ago (keeps the table small)."""
    now = now or clock.utcnow()
    session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.beat_at < now - FORGET_AFTER))


def latest_beat(session):
    """The newest heartbeat of a running worker, or None."""
    value = session.scalar(select(func.max(WorkerHeartbeat.beat_at))
                           .where(WorkerHeartbeat.state == "running"))
    return clock.as_utc(value)


def alive(session, now=None) -> bool:
    """True when some running worker has beaten within STALE_AFTER."""
    last = latest_beat(session)
    return last is not None and (now or clock.utcnow()) - last <= STALE_AFTER
