"""Tables of the patient's own area: accounts, activation codes, sessions, contacts, answers."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webui.extensions import db
from webui.models import utcnow


class PatientAccount(db.Model):
    """A login for a patient (or, later, a relative): password hash plus a TOTP secret."""

    __tablename__ = "patient_account"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="patient")  # "patient" or "relative"
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    totp_secret: Mapped[str] = mapped_column(String(64))
    # the last TOTP time step accepted: a code is never accepted twice (replay)
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ActivationCode(db.Model):
    """A one-time code the tovholder hands over in person; only its SHA-256 is stored."""

    __tablename__ = "patient_activation"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20), default="patient")
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    account_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class PatientSession(db.Model):
    """A patient's login session on the server; the cookie holds only a random token."""

    __tablename__ = "patient_session"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("patient_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class PlannedContact(db.Model):
    """A booked contact with the patient: when, where, which organisation, with whom."""

    __tablename__ = "planned_contact"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    minutes: Mapped[int] = mapped_column(Integer, default=60)
    place: Mapped[str] = mapped_column(String(200))
    org_code: Mapped[str] = mapped_column(ForeignKey("organisation.code"))
    person: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12), default="planned")  # planned / cancelled
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    # the patient's upcoming contacts, and the worklist's "today" per organisation
    __table_args__ = (Index("ix_planned_contact_patient_starts", "patient_id", "starts_at"),
                      Index("ix_planned_contact_org_starts", "org_code", "starts_at"))


class Questionnaire(db.Model):
    """One request to answer an instrument from home, and (once answered) its scored answers."""

    __tablename__ = "questionnaire"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    instrument: Mapped[str] = mapped_column(String(20))
    requested_by: Mapped[str] = mapped_column(String(80))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    answered_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    answers: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    result: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    zone: Mapped[str | None] = mapped_column(String(10), nullable=True)
    # no answer after 3 days: a reminder; 3 days after that: a task for the tovholder
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # asked by the pathway's BPMN: the patient task the answer completes (None: asked by staff)
    pathway_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    task_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # the task closed unanswered (the pathway moved on): no answer is taken any more
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (Index("ix_questionnaire_patient_requested", "patient_id", "requested_at"),
                      Index("ix_questionnaire_task", "task_id"),
                      Index("ix_questionnaire_open", "answered_at", "requested_at"),
                      Index("ix_questionnaire_patient_answered", "patient_id", "answered_at"))


class FollowUp(db.Model):
    """A task for the tovholder raised by an answer from home (red: same day, yellow: 3 days)."""

    __tablename__ = "followup_task"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id"))
    org_code: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(64), default="tovholder")
    zone: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text, default="")
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    done_by: Mapped[str | None] = mapped_column(String(80), nullable=True)

    __table_args__ = (Index("ix_followup_task_org_done", "org_code", "done_at"),
                      Index("ix_followup_task_patient", "patient_id"))


class CrisisPlan(db.Model):
    """One version of a patient's crisis plan or relapse-prevention plan; a change adds a version.

    The fields are those of the plan's form (`kind` is its form id, `kriseplan` or
    `tilbagefaldsplan`) in the versioned definitions; `data` holds them all. The crisis plan's
    four call-and-signs columns are kept as well, for the "ring nu" box and older rows."""

    __tablename__ = "crisis_plan"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    kind: Mapped[str] = mapped_column(String(40), default="kriseplan", server_default="kriseplan")
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    definition_version_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    warning_signs: Mapped[str] = mapped_column(Text, default="")
    what_helps: Mapped[str] = mapped_column(Text, default="")
    call_day: Mapped[str] = mapped_column(Text, default="")
    call_night: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (UniqueConstraint("patient_id", "kind", "version", name="uq_crisis_plan_patient_kind_version"),)


class RelativeConsent(db.Model):
    """A patient's consent that a relative may see parts of their plan, until revoked."""

    __tablename__ = "relative_consent"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    relative_name: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(String(100))  # comma-separated: "plan", "crisis"
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    granted_by: Mapped[str] = mapped_column(String(80))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    activation_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    account_id: Mapped[int | None] = mapped_column(Integer, nullable=True)

    @property
    def scopes(self) -> set[str]:
        """The parts of the plan the relative may see."""
        return {s for s in self.scope.split(",") if s}


class PatientCredential(db.Model):
    """A passkey (WebAuthn credential) of a patient account: its id, public key and counter."""

    __tablename__ = "patient_credential"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("patient_account.id"), index=True)
    credential_id: Mapped[str] = mapped_column(String(512), unique=True)  # base64url
    public_key: Mapped[str] = mapped_column(Text)                         # base64url COSE key
    sign_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class OutboxMessage(db.Model):
    """A message to a patient written by the development/demo sender instead of being sent."""

    __tablename__ = "outbox_message"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("patient_account.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
