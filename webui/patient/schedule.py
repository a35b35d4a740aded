"""Questionnaires the pathway asks for, run by the timer worker: link, remind, tell the tovholder.

The BPMN decides when a patient is asked: Ustabil and Stabil have a timer that opens a user
task in the lane `patient` whose form names the instrument. The interval follows the complexity
tier (`questionnaire_weeks` from bpmn/intensity.dmn) where the decision set it, else 14 days in
Ustabil and 42 in Stabil; process owners change it in the modeler. After each timer sweep,
`link_tasks` gives every open patient task a questionnaire on the patient's start page, moves
an unanswered one to the task that replaced it (a new cycle of the stage recreates open tasks),
and closes one whose task is gone. Three days without an answer bring a reminder; three more
bring a task for the tovholder.
"""
from datetime import timedelta

from sqlalchemy import select

from engine import clock
from engine.models import WorklistItem
from webui.common.timeutil import aware, local_midnight_utc, local_today
from webui.extensions import db
from webui.patient import outbox, questionnaires
from webui.patient.models import FollowUp, PatientAccount, Questionnaire

REMIND_AFTER = timedelta(days=3)
SYSTEM = "forløb"  # requested_by of a questionnaire the pathway asked for


def link_tasks(now=None) -> tuple[int, int]:
    """Give open patient tasks a questionnaire and close those whose task is gone; return counts."""
    now = now or clock.utcnow()
    tasks = {item.task_id: item for item in db.session.scalars(select(WorklistItem).where(
        WorklistItem.kind == "task", WorklistItem.role == "patient"))}
    open_rows = list(db.session.scalars(select(Questionnaire).where(
        Questionnaire.task_id.is_not(None), Questionnaire.answered_at.is_(None),
        Questionnaire.closed_at.is_(None))))
    linked = {row.task_id for row in open_rows}
    orphans = {}  # (pathway, instrument) -> an open questionnaire whose task has gone
    for row in open_rows:
        if row.task_id not in tasks:
            orphans.setdefault((row.pathway_id, row.instrument), row)
    with_account = set(db.session.scalars(select(PatientAccount.patient_id).where(
        PatientAccount.role == "patient", PatientAccount.active.is_(True),
        PatientAccount.patient_id.in_({i.patient_id for i in tasks.values()}))))
    asked = 0
    for task_id, item in tasks.items():
        if task_id in linked or item.patient_id not in with_account or not item.form_id:
            continue  # no login yet: the task waits, and is linked once the patient activates
        orphan = orphans.pop((item.pathway_id, item.form_id), None)
        if orphan is not None:  # same question, new task id: the patient keeps their request
            orphan.task_id = task_id
            continue
        db.session.add(Questionnaire(patient_id=item.patient_id, instrument=item.form_id,
                                     requested_by=SYSTEM, requested_at=now,
                                     pathway_id=item.pathway_id, task_id=task_id))
        asked += 1
    for row in orphans.values():
        row.closed_at = now
    db.session.flush()
    return asked, len(orphans)


def remind_and_escalate(now=None) -> tuple[int, int]:
    """Remind after 3 days without an answer, then give the tovholder a task; return counts."""
    now = now or clock.utcnow()
    send = outbox.sender()
    reminded = escalated = 0
    for row in db.session.scalars(select(Questionnaire).where(
            Questionnaire.answered_at.is_(None), Questionnaire.closed_at.is_(None),
            Questionnaire.requested_at <= now - REMIND_AFTER,
            Questionnaire.escalated_at.is_(None)).limit(500)):
        accounts = db.session.scalars(select(PatientAccount).where(
            PatientAccount.patient_id == row.patient_id, PatientAccount.role == "patient",
            PatientAccount.active.is_(True))).all()
        if row.reminded_at is None:
            for account in accounts:
                send.send(account, "questionnaire_reminder", "Et spørgeskema venter på dig",
                          "Du har et spørgeskema, som vi gerne vil have dit svar på. "
                          "Log ind på Mit forløb for at svare.")
            row.reminded_at = now
            reminded += 1
        elif _aware_le(row.reminded_at, now - REMIND_AFTER):
            org = questionnaires.tovholder_org(row.patient_id)
            if org is not None:
                db.session.add(FollowUp(patient_id=row.patient_id, questionnaire_id=row.id, org_code=org,
                                        zone="yellow", reason="no_answer", created_at=now,
                                        due_at=local_midnight_utc(local_today(now))))
            row.escalated_at = now
            escalated += 1
    db.session.flush()
    return reminded, escalated


def _aware_le(value, limit) -> bool:
    """value <= limit, with SQLite's naive UTC datetimes made aware."""
    return aware(value) <= limit


def sweep(config=None, now=None) -> dict:
    """One turn of the schedule (the worker calls this after each timer sweep; caller commits)."""
    asked, closed = link_tasks(now)
    reminded, escalated = remind_and_escalate(now)
    return {"asked": asked, "closed": closed, "reminded": reminded, "escalated": escalated}
