"""Tables for staff competencies (methods, levels, certification) and supervision sessions."""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webui.extensions import db
from webui.models import utcnow

# method code → label; the certified methods and the knowledge areas of the integrated offer
METHODS = {
    "kat": _l("KAT (kognitiv adfærdsterapi)"),
    "dat": _l("DAT (dialektisk adfærdsterapi)"),
    "mi": _l("MI (motiverende samtale)"),
    "harm_reduction": _l("Rusmidler og skadesreduktion"),
    "dual_diagnosis": _l("Dobbeltdiagnose"),
    "screening": _l("Screening og udredning"),
    "pharmacology": _l("Farmakologisk behandling og medicinhåndtering"),
    "peer_education": _l("Peer-, mentor- og pårørendeuddannelse"),
}

# level code → label, lowest first
LEVELS = {
    "basic": _l("Grundkendskab"),
    "trained": _l("Uddannet"),
    "certified": _l("Certificeret"),
    "supervisor": _l("Supervisor"),
}

SUPERVISION_KINDS = {"method": _l("Metodesupervision"), "case": _l("Casesupervision")}


class StaffCompetence(db.Model):
    """One method a staff member holds, at a level, certified on a date and due for renewal."""

    __tablename__ = "staff_competence"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    method: Mapped[str] = mapped_column(String(40), index=True)
    level: Mapped[str] = mapped_column(String(20))
    certified_on: Mapped[date] = mapped_column(Date)
    renewal_due: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SupervisionSession(db.Model):
    """One method or case supervision a staff member received; notes are private to them and leads."""

    __tablename__ = "supervision_session"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    method: Mapped[str | None] = mapped_column(String(40), nullable=True)
    held_on: Mapped[date] = mapped_column(Date)
    supervisor: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
