"""Tables of the FHIR messaging endpoint: received HospitalNotifications and the stays they tell of."""
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webui.extensions import db
from webui.models import utcnow


class HospitalMessage(db.Model):
    """An accepted HospitalNotification, kept by MessageHeader id with its Acknowledgement.

    `outcome` says what it did: applied (moved the pathway), recorded (history only),
    review (a notice asks a human), unmatched (no pathway of the client's organisation has
    this CPR: kept, with the message, for reconciliation and shown to no one else).
    """

    __tablename__ = "hospital_message"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_client.id"))
    message_id: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(10))
    episode: Mapped[str] = mapped_column(String(200))
    cpr: Mapped[str] = mapped_column(String(10))
    sender_sor: Mapped[str] = mapped_column(String(18))
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patient.id"), nullable=True)
    pathway_id: Mapped[int | None] = mapped_column(ForeignKey("pathway.id"), nullable=True)
    outcome: Mapped[str] = mapped_column(String(20))
    http_status: Mapped[int] = mapped_column(Integer)
    ack: Mapped[dict] = mapped_column(JSON, default=dict)
    body: Mapped[dict] = mapped_column(JSON, default=dict)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reconciled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reconciled_by: Mapped[str | None] = mapped_column(String(80), nullable=True)

    __table_args__ = (UniqueConstraint("client_id", "message_id", name="uq_hospital_message_client_id"),
                      Index("ix_hospital_message_outcome", "outcome"))


class HospitalStay(db.Model):
    """One hospital stay (an episode of care) as the notifications told it, with what it did
    to the pathway, so a correction can move its times and a cancellation can undo it."""

    __tablename__ = "hospital_stay"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_client.id"))
    episode: Mapped[str] = mapped_column(String(200))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    pathway_id: Mapped[int] = mapped_column(ForeignKey("pathway.id"))
    encounter_class: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))          # in-progress / onleave / finished / ...
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    leaves: Mapped[list] = mapped_column(JSON, default=list)  # [{"start": iso, "end": iso|None}]
    previous_stage: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # what the last applied notification did, and the pathway's lock version right after it:
    # an unchanged lock means nothing has happened since, so a cancellation may undo it
    effect: Mapped[str | None] = mapped_column(String(20), nullable=True)
    lock_after: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (UniqueConstraint("client_id", "episode", name="uq_hospital_stay_client_episode"),)
