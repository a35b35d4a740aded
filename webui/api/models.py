"""Tables of the hospital-systems API: integration clients and the events they sent."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webui.extensions import db
from webui.models import utcnow


class ApiClient(db.Model):
    """One integration client (a hospital system); only a hash of its token is stored."""

    __tablename__ = "api_client"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    organisation_code: Mapped[str] = mapped_column(ForeignKey("organisation.code"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # the SOR codes a HospitalNotification from this client may name as its sender (comma
    # separated); None: not bound yet, any valid SOR code is accepted (older clients)
    sor_codes: Mapped[str | None] = mapped_column(String(400), nullable=True)


class ApiEvent(db.Model):
    """An event a client sent, kept by its event id so a resend gets the same answer."""

    __tablename__ = "api_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_client.id"))
    event_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    patient_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pathway_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict] = mapped_column(JSON, default=dict)
    # SHA-256 of the event's body: a resend must be the same event, not a new one (None: older rows)
    request_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (UniqueConstraint("client_id", "event_id", name="uq_api_event_client_event"),)
