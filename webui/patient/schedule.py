"""The questionnaire schedule, run by the timer worker: ask, remind, then tell the tovholder.

A patient with an account in Ustabil or Stabil is asked to answer WHO-5 every
`questionnaire_weeks` weeks, the interval the complexity tier sets (bpmn/intensity.dmn); a
pathway without a tier uses `PATIENT_WHO5_EVERY[stage]` days (default 14 in Ustabil, 42 in
Stabil). Three days without an answer bring a reminder; three more bring a task for the
tovholder. The asking itself is not a BPMN task: see docs/patient.md.
"""
from datetime import timedelta

from sqlalchemy import func, select

from engine import clock
from engine.models import Pathway
from webui.common.timeutil import aware, local_midnight_utc, local_today
from webui.extensions import db
from webui.patient import outbox, questionnaires
from webui.patient.models import FollowUp, PatientAccount, Questionnaire

DEFAULT_EVERY = {"ustabil": 14, "stabil": 42}
REMIND_AFTER = timedelta(days=3)


def _every(config) -> dict:
    return dict(config.get("PATIENT_WHO5_EVERY") or DEFAULT_EVERY)


def ask_due(config, now=None) -> int:
    """Request WHO-5 from every patient whose interval has passed; return how many.

    The interval is the pathway's own `questionnaire_weeks` (set from the complexity tier by the
    `intensity` decision) where it has one, else the stage's configured default.
    """
    now = now or clock.utcnow()
    last = (select(Questionnaire.patient_id, func.max(Questionnaire.requested_at).label("at"))
            .group_by(Questionnaire.patient_id).subquery())
    base = (select(PatientAccount.patient_id).join(Pathway, Pathway.patient_id == PatientAccount.patient_id)
            .outerjoin(last, last.c.patient_id == PatientAccount.patient_id)
            .where(PatientAccount.role == "patient", PatientAccount.active.is_(True),
                   Pathway.status == "active"))
    stages = _every(config)
    weeks_set = db.session.scalars(select(Pathway.questionnaire_weeks).distinct().where(
        Pathway.status == "active", Pathway.stage.in_(list(stages)),
        Pathway.questionnaire_weeks.is_not(None))).all()
    # (condition, days): a few groups, so one query each with its own cut-off
    groups = [((Pathway.stage == stage) & Pathway.questionnaire_weeks.is_(None), days)
              for stage, days in stages.items()]
    groups += [(Pathway.stage.in_(list(stages)) & (Pathway.questionnaire_weeks == weeks), weeks * 7)
               for weeks in weeks_set if weeks > 0]
    asked = 0
    for condition, days in groups:
        rows = db.session.execute(base.where(
            condition, (last.c.at.is_(None)) | (last.c.at <= now - timedelta(days=days)))).scalars().all()
        for patient_id in dict.fromkeys(rows):
            questionnaires.request_for(patient_id, "who5", "system")
            asked += 1
    return asked


def remind_and_escalate(now=None) -> tuple[int, int]:
    """Remind after 3 days without an answer, then give the tovholder a task; return counts."""
    now = now or clock.utcnow()
    send = outbox.sender()
    reminded = escalated = 0
    for row in db.session.scalars(select(Questionnaire).where(
            Questionnaire.answered_at.is_(None), Questionnaire.requested_at <= now - REMIND_AFTER,
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


def sweep(config, now=None) -> dict:
    """One turn of the schedule (the worker calls this between timer sweeps; caller commits)."""
    asked = ask_due(config, now)
    reminded, escalated = remind_and_escalate(now)
    return {"asked": asked, "reminded": reminded, "escalated": escalated}
