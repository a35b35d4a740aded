"""Questionnaires from home in the quality view, counted the way AmbuFlex reports them.

- Response rate: of the questionnaires sent to the cohort's patients (index date: the day it
  was sent, Danish time), the share answered. A questionnaire still inside its 3-day answer
  window and unanswered is not counted yet; one whose task closed unanswered counts as not
  answered.
- Handled without a visit: of the answered questionnaires (index date: the day answered), the
  share that was green, so no clinician follow-up was needed.
"""
from datetime import timedelta

from sqlalchemy import select

from engine.models import Pathway as P
from webui.common.timeutil import local
from webui.dashboards.measures import Ratio, epoch
from webui.dashboards.quality import cell_columns
from webui.extensions import db
from webui.patient.models import Questionnaire as Q

ANSWER_WINDOW = timedelta(days=3)  # the reminder comes after this (webui/patient/schedule.py)


def _day(moment):
    """The Danish calendar day of a moment, as the quality view's day number."""
    return epoch(local(moment).date())


def compute(filters, period, now) -> dict:
    """{"response": Ratio, "without_visit": Ratio} for the cohort the filters select."""
    # the patient's publication cell is that of their newest pathway in the cohort
    cells = {patient: tuple(cell) for patient, *cell in db.session.execute(
        select(P.patient_id, *cell_columns(P)).where(*filters.conditions(P)).order_by(P.id))}
    response, without_visit = Ratio(), Ratio()
    rows = db.session.execute(select(Q.patient_id, Q.requested_at, Q.answered_at, Q.zone).where(
        Q.patient_id.in_(select(P.patient_id).where(*filters.conditions(P))))).all()
    for patient_id, requested_at, answered_at, zone in rows:
        cell = cells.get(patient_id, ())
        if answered_at is not None:
            response.add(_day(requested_at), True, period, cell)
            without_visit.add(_day(answered_at), zone == "green", period, cell)
        elif local(requested_at) <= local(now) - ANSWER_WINDOW:
            response.add(_day(requested_at), False, period, cell)
    return {"response": response, "without_visit": without_visit}
