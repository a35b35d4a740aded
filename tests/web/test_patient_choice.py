"""A patient's own postponement or declining after enrolment stops the guarantee's clock, and the
patient page, the worklist and the quality figure read it alike (docs/indicators.md)."""
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from engine.models import AuditEntry, Pathway
from tests.web import pathway_setup as setup
from webui.common.timeutil import local_today
from webui.dashboards import quality
from webui.dashboards.filters import Filters
from webui.extensions import db
from webui.pathways import guarantee


def _moment(day):
    return datetime.combine(day, time(10, 0), UTC)


def _enrolled(app, cpr, days_ago):
    """A patient referred and enrolled `days_ago` days ago (deadline 14 days after referral)."""
    day = local_today() - timedelta(days=days_ago)
    with app.app_context():
        pathway = setup.refer(cpr=cpr, received=day, now=_moment(day))
        setup.complete(pathway.id, "visitation", {"visitation_decision": "inkluderet"},
                       now=_moment(day))
        setup.complete(pathway.id, "indskrivning", setup.ENROL, now=_moment(day))
        return pathway.id, pathway.patient_id


def _choice(client, pathway_id, **form):
    return client.post(f"/forloeb/{pathway_id}/patientens-valg", data=form)


def _fact(app, pathway_id, today=None):
    with app.app_context():
        return guarantee.of_pathway(db.session.get(Pathway, pathway_id), today)


def test_postponement_moves_the_deadline_to_the_chosen_date(app, client, auth):
    pathway_id, patient_id = _enrolled(app, "0101901235", days_ago=5)
    today = local_today()
    auth.login("psyk.kbh")
    assert 'id="choice"' in client.get(f"/patienter/{patient_id}").get_data(as_text=True)
    response = _choice(client, pathway_id, kind="postponed", choice_on=today.isoformat(),
                       choice_until=(today + timedelta(days=20)).isoformat(),
                       choice_reason="Ønsker at starte efter sin eksamen")
    assert response.status_code == 302
    fact = _fact(app, pathway_id)
    assert (fact.status, fact.due) == ("open", today + timedelta(days=20))
    page = client.get(f"/patienter/{patient_id}").get_data(as_text=True)
    assert "Udsat efter patientens ønske" in page and "efter sin eksamen" in page
    # treatment on day 15 after the original deadline, before the chosen date: met
    with app.app_context():
        setup.complete(pathway_id, "audit", now=_moment(today + timedelta(days=15)))
        assert db.session.get(Pathway, pathway_id).guarantee_status == "met"
        figures = quality.compute(Filters(), today + timedelta(days=16))
        assert (figures["guarantee"].num, figures["guarantee"].den) == (1, 1)
        assert db.session.scalar(select(AuditEntry.id).where(
            AuditEntry.action == "pathway.patient_choice")) is not None


def test_declining_after_enrolment_is_no_breach_and_leaves_the_indicator(app, client, auth):
    pathway_id, patient_id = _enrolled(app, "0202902345", days_ago=3)
    today = local_today()
    auth.login("psyk.kbh")
    response = _choice(client, pathway_id, kind="declined", choice_on=today.isoformat(),
                       choice_reason="Vil ikke i behandling nu")
    assert response.status_code == 302
    later = today + timedelta(days=30)            # long after the deadline: still no breach
    fact = _fact(app, pathway_id, later)
    assert (fact.status, fact.decided_on) == ("waived", today)
    page = client.get(f"/patienter/{patient_id}").get_data(as_text=True)
    assert 'data-status="waived"' in page and "Fravalgt af patienten" in page
    assert 'id="choice"' not in page               # the clock has stopped: nothing to record
    with app.app_context():
        figures = quality.compute(Filters(), later)
        assert figures["guarantee"].den == 0
        # a later treatment does not turn a declined guarantee into a met one
        setup.complete(pathway_id, "audit", now=_moment(today + timedelta(days=20)))
        assert db.session.get(Pathway, pathway_id).guarantee_status == "waived"
    worklist = client.get("/").get_data(as_text=True)
    assert "Garantien er overskredet" not in worklist


def test_bad_or_late_choices_are_refused_and_change_nothing(app, client, auth):
    pathway_id, _ = _enrolled(app, "0303903456", days_ago=2)
    today = local_today()
    auth.login("psyk.kbh")
    cases = [
        {"kind": "postponed", "choice_on": today.isoformat(),
         "choice_until": today.isoformat(), "choice_reason": "x"},      # not after the deadline
        {"kind": "declined", "choice_on": (today + timedelta(days=1)).isoformat(),
         "choice_reason": "x"},                                          # in the future
        {"kind": "declined", "choice_on": today.isoformat(), "choice_reason": " "},
        {"kind": "bogus", "choice_on": today.isoformat(), "choice_reason": "x"},
        {"kind": "postponed", "choice_on": today.isoformat(), "end_pathway": "1",
         "choice_until": (today + timedelta(days=30)).isoformat(),
         "choice_reason": "x"},                                          # only declining ends
    ]
    for form in cases:
        response = _choice(client, pathway_id, **form)
        assert response.status_code == 302
        with app.app_context():
            row = db.session.get(Pathway, pathway_id)
            assert (row.patient_choice, row.status) == (None, "active"), form
    auth.logout()
    auth.login("rus.kbh")                        # the municipality does not record it
    assert _choice(client, pathway_id, kind="declined", choice_on=today.isoformat(),
                   choice_reason="x").status_code == 403


def test_declining_can_end_the_pathway_with_the_guarantee_waived(app, client, auth):
    pathway_id, patient_id = _enrolled(app, "0404904567", days_ago=2)
    today = local_today()
    auth.login("psyk.kbh")
    page = client.get(f"/patienter/{patient_id}").get_data(as_text=True)
    assert 'name="end_pathway"' in page
    response = _choice(client, pathway_id, kind="declined", choice_on=today.isoformat(),
                       choice_reason="Ønsker ingen behandling", end_pathway="1")
    assert response.status_code == 302
    with app.app_context():
        row = db.session.get(Pathway, pathway_id)
        assert (row.status, row.end_reason) == ("ended", "Patienten takkede nej til behandling")
        assert setup.open_items(pathway_id) == []
        assert db.session.scalar(select(AuditEntry.id).where(
            AuditEntry.action == "pathway.end")) is not None
        later = today + timedelta(days=30)
        assert quality.compute(Filters(), later)["guarantee"].den == 0
    fact = _fact(app, pathway_id, today + timedelta(days=30))
    assert (fact.status, fact.decided_on) == ("waived", today)
    page = client.get(f"/patienter/{patient_id}").get_data(as_text=True)
    assert "Patienten takkede nej til behandling" in page and "Fravalgt af patienten" in page
