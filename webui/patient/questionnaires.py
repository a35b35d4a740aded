"""Questionnaires from home: request, answer once, score on the server, raise follow-ups.

A questionnaire the pathway's BPMN asked for (a patient task, see schedule.py) is answered by
completing that task in the same transaction; when the task has closed, the answer is refused.
"""
from sqlalchemy import bindparam, select, update

from engine import clock, service
from engine.db import once
from engine.errors import Conflict, EngineError
from engine.models import Pathway, Patient
from webui.common.holidays import add_working_days
from webui.common.timeutil import local_midnight_utc, local_today
from webui.extensions import db
from webui.patient import instruments
from webui.patient.models import FollowUp, Questionnaire

INSTRUMENTS = instruments.INSTRUMENTS
YELLOW_WORKING_DAYS = 3


class AlreadyAnswered(Exception):
    """The questionnaire was answered before (another tab or device won); nothing was saved."""


class Closed(Exception):
    """The pathway's task for this questionnaire has closed (the pathway moved on); nothing saved."""


def request_for(patient_id: int, instrument: str, actor: str) -> Questionnaire:
    """Ask the patient to answer an instrument from home."""
    if instrument not in INSTRUMENTS:
        raise ValueError(f"unknown instrument {instrument!r}")
    row = Questionnaire(patient_id=patient_id, instrument=instrument, requested_by=actor,
                        requested_at=clock.utcnow())
    db.session.add(row)
    db.session.flush()
    return row


def open_for(patient_id: int) -> list[Questionnaire]:
    """The patient's unanswered questionnaires, oldest first."""
    return list(db.session.scalars(select(Questionnaire).where(
        Questionnaire.patient_id == patient_id, Questionnaire.answered_at.is_(None),
        Questionnaire.closed_at.is_(None))
        .order_by(Questionnaire.requested_at, Questionnaire.id)))


def answered_for(patient_id: int, limit: int = 12) -> list[Questionnaire]:
    """The patient's answered questionnaires, newest first."""
    return list(db.session.scalars(select(Questionnaire).where(
        Questionnaire.patient_id == patient_id, Questionnaire.answered_at.is_not(None))
        .order_by(Questionnaire.answered_at.desc(), Questionnaire.id.desc()).limit(limit)))


def tovholder_org(patient_id: int) -> str | None:
    """The organisation whose tovholder follows the patient's newest pathway up."""
    pathway = db.session.scalar(select(Pathway).where(Pathway.patient_id == patient_id)
                                .order_by(Pathway.started_at.desc(), Pathway.id.desc()).limit(1))
    if pathway is None:
        return None
    return pathway.tovholder_org or pathway.region_org


def answer(row: Questionnaire, answers: dict, actor: str) -> FollowUp | None:
    """Store and score the answers; red/yellow add a follow-up for the tovholder in the same
    transaction. Raise AlreadyAnswered when someone answered first (the conditional update
    lets exactly one of two concurrent submissions win)."""
    if row.closed_at is not None:
        raise Closed(row.id)
    patient = db.session.get(Patient, row.patient_id)
    version_id = db.session.get(Pathway, row.pathway_id).version_id if row.pathway_id else \
        db.session.scalar(select(Pathway.version_id).where(Pathway.patient_id == row.patient_id)
                          .order_by(Pathway.started_at.desc(), Pathway.id.desc()).limit(1))
    result = instruments.score(row.instrument, answers, sex=patient.sex if patient else None,
                               version_id=version_id)
    now = clock.utcnow()
    won = db.session.execute(update(Questionnaire).where(
        Questionnaire.id == row.id, Questionnaire.answered_at.is_(None),
        Questionnaire.closed_at.is_(None)).values(
        answered_at=now, answered_by=actor, answers=answers, result=result, zone=result["zone"])
        .execution_options(synchronize_session=False))
    if won.rowcount != 1:
        db.session.rollback()
        raise AlreadyAnswered(row.id)
    db.session.expire(row)
    if row.task_id is not None:
        _complete_task(row, result, actor, now)
    if result["zone"] == "green":
        return None
    today = local_today()
    due_day = today if result["zone"] == "red" else add_working_days(today, YELLOW_WORKING_DAYS)
    org = tovholder_org(row.patient_id)
    if org is None:
        return None
    task = FollowUp(patient_id=row.patient_id, questionnaire_id=row.id, org_code=org,
                    role="tovholder", zone=result["zone"], reason=result["rule"],
                    due_at=local_midnight_utc(due_day), created_at=now)
    db.session.add(task)
    db.session.flush()
    return task


def open_followups_for_org(org_code: str, roles) -> list[FollowUp]:
    """Open follow-ups for one organisation and the user's roles, soonest due first."""
    return list(db.session.scalars(_open_followups_query(), {
        "org_code": org_code, "roles": sorted(roles)}))


@once
def _open_followups_query():
    return (select(FollowUp).where(
        FollowUp.org_code == bindparam("org_code"),
        FollowUp.role.in_(bindparam("roles", expanding=True)), FollowUp.done_at.is_(None))
        .order_by(FollowUp.due_at, FollowUp.id).limit(50))


def _complete_task(row: Questionnaire, result: dict, actor: str, now) -> None:
    """Complete the pathway's patient task with the scored result (not the raw answers).

    Closed (and nothing saved) when the task is no longer open: the pathway moved on."""
    data = {"home_instrument": row.instrument, "home_zone": result["zone"],
            "home_band": result.get("band"), "home_score": result.get("raw"),
            "home_call_now": bool(result.get("call_now"))}
    try:
        service.complete_task(db.session, row.pathway_id, row.task_id, data, actor, now=now)
    except Conflict:
        raise  # changed by someone else at this moment: the edge says "try again"
    except EngineError:  # not ready any more, or the pathway has ended
        db.session.rollback()
        raise Closed(row.id) from None
