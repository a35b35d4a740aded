"""The quality view counts questionnaires from home as AmbuFlex reports them: the response rate
and the share of answers handled without a follow-up."""
from datetime import timedelta

from engine import clock
from tests.web.test_patient_area import _two_patients
from webui.dashboards import filters as flt
from webui.dashboards import home_answers, measures
from webui.extensions import db
from webui.patient.models import Questionnaire


def _row(patient_id, sent_days_ago, answered_days_ago=None, zone=None, closed=False):
    now = clock.utcnow()
    db.session.add(Questionnaire(
        patient_id=patient_id, instrument="who5", requested_by="forløb",
        requested_at=now - timedelta(days=sent_days_ago),
        answered_at=None if answered_days_ago is None else now - timedelta(days=answered_days_ago),
        zone=zone, closed_at=now - timedelta(days=1) if closed else None,
        result={"raw": 10} if zone else None, answers={} if zone else None))


def _seed(app):
    a, b = _two_patients(app)
    with app.app_context():
        for _ in range(3):
            _row(a, 10, 9, "green")        # answered, handled without a visit
        _row(a, 10, 8, "red")              # answered, needed the tovholder
        _row(b, 12, 11, "yellow")
        _row(b, 5)                          # past the 3-day window, unanswered: not answered
        _row(b, 20, closed=True)            # its task closed unanswered: not answered
        _row(a, 1)                          # still inside its window: not counted yet
        db.session.commit()
    return a, b


def test_response_rate_and_handled_without_a_visit(app, demo_users):
    _seed(app)
    with app.app_context():
        filters, _errors = flt.parse({})
        got = home_answers.compute(filters, measures.Period(filters), clock.utcnow())
        assert (got["response"].num, got["response"].den) == (5, 7)
        assert (got["without_visit"].num, got["without_visit"].den) == (3, 5)
        other, _errors = flt.parse({"region": "sjaelland"})  # another region's cohort: nothing
        assert home_answers.compute(other, measures.Period(other), clock.utcnow())["response"].den == 0


def test_quality_page_shows_both_indicators(auth, client, app):
    _seed(app)
    auth.login("leder")
    page = client.get("/overblik/kvalitet").get_data(as_text=True)
    assert 'data-key="response"' in page and "Svarprocent for spørgeskemaer hjemmefra" in page
    assert 'data-key="without_visit"' in page
    row = page.split('<tr data-key="response">')[1].split("</tr>")[0]
    # months with 1-4 questionnaires are left out of the totals (small-count suppression, as for
    # every indicator): never a count that identifies a handful of patients
    assert 'data-col="numerator">' in row and ">1<" not in row and ">2<" not in row
