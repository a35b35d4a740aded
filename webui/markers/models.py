"""The pathway markers table: each measurement point of a pathway, stored once with its code."""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webui.extensions import db
from webui.models import utcnow


class PathwayMarker(db.Model):
    """One measurement point (forløbsmarkør): when it happened and the code it had then.

    `key` makes it happen once: the point itself for single points (referral, visitation,
    treatment start, end), with the run number for repeating ones (each phase change,
    admission, discharge), with the date for the guarantee's deadline (a changed deadline is
    a new point). The code is copied from the code table in force, so history keeps its codes.
    """

    __tablename__ = "pathway_marker"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pathway_id: Mapped[int] = mapped_column(ForeignKey("pathway.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    point: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(80))
    system: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(40))
    display: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    value: Mapped[str | None] = mapped_column(String(40), nullable=True)   # the guarantee's date
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (UniqueConstraint("pathway_id", "key", name="uq_pathway_marker_pathway_key"),
                      Index("ix_pathway_marker_patient", "patient_id", "at"),
                      Index("ix_pathway_marker_recorded", "recorded_at"))
