"""Tables of bulk migration: jobs, their per-pathway items, and the per-version auto-migrate flag."""
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.clock import utcnow
from engine.db import Base

JOB_STATES = ("running", "paused", "cancelled", "done")
ITEM_STATES = ("pending", "done", "failed", "cancelled")


class MigrationJob(Base):
    """A bulk migration of pathways to one target version, worked off by the background worker."""

    __tablename__ = "migration_job"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target_version_id: Mapped[int] = mapped_column(ForeignKey("definition_version.id"))
    from_version_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(10), default="running", index=True)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(String(200), default="")
    # the one runner (worker or `flask engine migrate --run-here`) working the job, until when
    claimed_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class MigrationItem(Base):
    """One pathway of a job: pending until the worker migrates it (done) or cannot (failed)."""

    __tablename__ = "migration_item"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("migration_job.id"))
    pathway_id: Mapped[int] = mapped_column(ForeignKey("pathway.id"))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    from_version_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (Index("ix_migration_item_job_status", "job_id", "status", "id"),)


class VersionMigrationPolicy(Base):
    """A version's claim that its changes are texts, labels and guidance only (auto-migrate)."""

    __tablename__ = "version_migration_policy"
    version_id: Mapped[int] = mapped_column(ForeignKey("definition_version.id"),
                                            primary_key=True)
    auto_migrate: Mapped[bool] = mapped_column(Boolean, default=False)
    set_by: Mapped[str] = mapped_column(String(80))
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
