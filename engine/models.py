"""Engine tables: definitions, pathways, task history and the worklist projection."""
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column

from engine.clock import utcnow
from engine.db import Base


class DefinitionVersion(Base):
    """One immutable bundle of BPMN/DMN files and forms, with its review status."""

    __tablename__ = "definition_version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    files: Mapped[dict] = deferred(mapped_column(JSON))          # {filename: xml text}
    process_ids: Mapped[list] = mapped_column(JSON, default=list)
    deployed_by: Mapped[str] = mapped_column(String(80))
    deployed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    note: Mapped[str] = mapped_column(String(200), default="")
    # proposed → current (approved) → superseded; or rejected. Exactly one version is current.
    status: Mapped[str] = mapped_column(String(12), default="current", index=True)
    base_version_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    approved_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    scenario_results: Mapped[list | None] = mapped_column(JSON, nullable=True)


class DefinitionEvent(Base):
    """History of a definition version: proposed, approved, rejected, made current, superseded."""

    __tablename__ = "definition_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("definition_version.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    detail: Mapped[str] = mapped_column(Text, default="")


class Patient(Base):
    """A citizen in the pathway, identified by CPR number."""

    __tablename__ = "patient"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cpr: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    sex: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    region: Mapped[str] = mapped_column(String(64))
    municipality: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Pathway(Base):
    """A patient's pathway: summary columns plus the live state of its current run."""

    __tablename__ = "pathway"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("definition_version.id"))
    status: Mapped[str] = mapped_column(String(10), default="active", index=True)
    stage: Mapped[str | None] = mapped_column(String(64), nullable=True)
    phase: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    region_org: Mapped[str | None] = mapped_column(String(64), nullable=True)
    municipality_org: Mapped[str | None] = mapped_column(String(64), nullable=True)
    tovholder_org: Mapped[str | None] = mapped_column(String(64), nullable=True)
    tovholder: Mapped[str | None] = mapped_column(String(80), nullable=True)
    group_no: Mapped[int | None] = mapped_column(Integer, nullable=True)
    guarantee_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    guarantee_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    waiting_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    next_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                         nullable=True, index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    previous_pathway_id: Mapped[int | None] = mapped_column(ForeignKey("pathway.id"),
                                                            nullable=True)
    run_no: Mapped[int] = mapped_column(Integer, default=0)
    run_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                            nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The 14-day guarantee is met by the first treatment contact (docs/pathway.md).
    treatment_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                                  nullable=True)
    guarantee_breach_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # The one stored guarantee fact (docs/indicators.md): open, met, breached or lapsed (ended
    # before the deadline without treatment), and the Danish day it was decided.
    guarantee_status: Mapped[str | None] = mapped_column(String(10), nullable=True)
    guarantee_decided_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # The patient's own choice, which stops the clock as L 126 allows: 'postponed' (treatment
    # from a later date the patient chose, patient_choice_until) or 'declined' (treatment now);
    # the day it was made and why (docs/indicators.md).
    patient_choice: Mapped[str | None] = mapped_column(String(10), nullable=True)
    patient_choice_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    patient_choice_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    patient_choice_reason: Mapped[str | None] = mapped_column(String(300), nullable=True)
    reassess_at: Mapped[date | None] = mapped_column(Date, nullable=True)
    suicide_risk: Mapped[str | None] = mapped_column(String(20), nullable=True)
    # low/moderate/high biopsychosocial complexity from the newest overview consultation
    complexity_tier: Mapped[str | None] = mapped_column(String(10), nullable=True, index=True)
    # the next yearly overview consultation, and how often the patient answers questionnaires
    # from home (weeks), both set by the pathway from the tier's intensity (bpmn/intensity.dmn)
    overview_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    questionnaire_weeks: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The serialized SpiffWorkflow state of the current run only (bounded by design).
    state: Mapped[str | None] = deferred(mapped_column(Text, nullable=True))

    __mapper_args__ = {"version_id_col": lock_version}


class PathwayRun(Base):
    """An archived, finished run of one stage (continue-as-new leaves these behind)."""

    __tablename__ = "pathway_run"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pathway_id: Mapped[int] = mapped_column(ForeignKey("pathway.id"), index=True)
    run_no: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(64))
    version_id: Mapped[int] = mapped_column(ForeignKey("definition_version.id"))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    next_stage: Mapped[str | None] = mapped_column(String(64), nullable=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)


class PathwayParticipant(Base):
    """An organisation that takes part in a pathway (and so may see the patient)."""

    __tablename__ = "pathway_participant"
    pathway_id: Mapped[int] = mapped_column(ForeignKey("pathway.id"), primary_key=True)
    org_code: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class AwaitedMessage(Base):
    """A message name the current run of an active pathway waits for (correlation index)."""

    __tablename__ = "awaited_message"
    pathway_id: Mapped[int] = mapped_column(ForeignKey("pathway.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))

    __table_args__ = (Index("ix_awaited_message_patient_name", "patient_id", "name"),)


class PhaseStay(Base):
    """One stay in a stage (consecutive runs of it) with the contact minutes registered in it.

    Written with the pathway's history in the same transaction (engine/runtime/stays.py), so
    the quality view reads hours against frames without parsing task data.
    """

    __tablename__ = "phase_stay"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pathway_id: Mapped[int] = mapped_column(ForeignKey("pathway.id"), index=True)
    # no index on stage: two stages hold most rows, and PostgreSQL combining it with the
    # pathway index scanned every stay once per pathway (3 s at 10,000 pathways)
    stage: Mapped[str] = mapped_column(String(64))
    start_run_no: Mapped[int] = mapped_column(Integer)
    version_id: Mapped[int] = mapped_column(ForeignKey("definition_version.id"))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    contacts: Mapped[int] = mapped_column(Integer, default=0)


class WorklistItem(Base):
    """An open user task or a visible wait: the worklist projection of a pathway."""

    __tablename__ = "worklist_item"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pathway_id: Mapped[int] = mapped_column(ForeignKey("pathway.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    task_id: Mapped[str] = mapped_column(String(36))
    task_spec: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    form_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    kind: Mapped[str] = mapped_column(String(10), default="task")
    stage: Mapped[str | None] = mapped_column(String(64), nullable=True)
    phase: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lane: Mapped[str | None] = mapped_column(String(64), nullable=True)
    role: Mapped[str | None] = mapped_column(String(64), nullable=True)
    org_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    assignee: Mapped[str | None] = mapped_column(String(80), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    patient_name: Mapped[str] = mapped_column(String(200), default="")
    # a same-day safety task (BPMN property urgent="true"): marked and sorted first
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # the competence (method code) the task needs, from its BPMN "competence" property
    competence: Mapped[str | None] = mapped_column(String(40), nullable=True)

    __table_args__ = (
        Index("ix_worklist_item_org_code_due_at", "org_code", "due_at"),
        # need against coverage and the gap flag: an organisation's tasks needing a competence
        Index("ix_worklist_item_org_code_competence", "org_code", "competence", "patient_id"),
        UniqueConstraint("pathway_id", "task_id", name="uq_worklist_item_pathway_task"),
    )


class TaskRecord(Base):
    """History: one row per completed task or system event of a pathway."""

    __tablename__ = "task_record"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pathway_id: Mapped[int] = mapped_column(ForeignKey("pathway.id"), index=True)
    run_no: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str | None] = mapped_column(String(64), nullable=True)
    phase: Mapped[str | None] = mapped_column(String(200), nullable=True)
    task_spec: Mapped[str | None] = mapped_column(String(200), nullable=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    form_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lane: Mapped[str | None] = mapped_column(String(64), nullable=True)
    kind: Mapped[str] = mapped_column(String(10))
    actor: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    version_id: Mapped[int] = mapped_column(ForeignKey("definition_version.id"))
    task_id: Mapped[str | None] = mapped_column(String(36), nullable=True)  # the task completed

    # the quality dashboard reads a few forms' rows by form; the patient page reads newest-first
    # pages of one pathway's history and its latest record of a form
    __table_args__ = (Index("ix_task_record_form_id_pathway_id", "form_id", "pathway_id"),
                      Index("ix_task_record_pathway_id_id", "pathway_id", "id"),
                      Index("ix_task_record_pathway_form", "pathway_id", "form_id", "id"))


class TaskDraft(Base):
    """Unsubmitted form data a user saved for an open task."""

    __tablename__ = "task_draft"
    pathway_id: Mapped[int] = mapped_column(ForeignKey("pathway.id"), primary_key=True)
    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    actor: Mapped[str] = mapped_column(String(80))
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # the task's element, form and title, so a draft can follow its task into the next cycle, or be
    # shown on the patient page (closed_at, closed_reason) when its task closed without it
    form_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    task_spec: Mapped[str | None] = mapped_column(String(200), nullable=True)
    title: Mapped[str] = mapped_column(String(300), default="", server_default="")
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_reason: Mapped[str | None] = mapped_column(String(300), nullable=True)


class AuditEntry(Base):
    """Who did what, when and from where."""

    __tablename__ = "audit_entry"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(80))
    patient_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    pathway_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(64), default="")


class SandboxFailure(Base):
    """A step that failed in the sandbox: which version and element, which limit, who, when."""

    __tablename__ = "sandbox_failure"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))
    version_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    element: Mapped[str] = mapped_column(String(200), default="")
    limit_kind: Mapped[str] = mapped_column(String(20), default="")
    pathway_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    patient_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    message: Mapped[str] = mapped_column(String(300), default="")

    __table_args__ = (Index("ix_sandbox_failure_version_element", "version_id", "element"),)


class Notice(Base):
    """A message between sectors (admission, discharge, handover) in an organisation's inbox."""

    __tablename__ = "notice"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_code: Mapped[str] = mapped_column(String(64))
    pathway_id: Mapped[int] = mapped_column(ForeignKey("pathway.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    kind: Mapped[str] = mapped_column(String(20))           # admitted / discharged / handover
    key: Mapped[str] = mapped_column(String(120))           # dedupes re-projection of one event
    sender_org: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    read_by: Mapped[str | None] = mapped_column(String(80), nullable=True)

    __table_args__ = (Index("ix_notice_org_code_created_at", "org_code", "created_at"),
                      UniqueConstraint("pathway_id", "key", name="uq_notice_pathway_key"))
