"""The questionnaire schedule: asked by stage, reminded after 3 days via the outbox, then a task."""
from datetime import timedelta

from sqlalchemy import select, update

from engine import clock
from engine.models import Pathway
from tests.web import aging
from tests.web.test_patient_area import activate, new_code
from webui.extensions import db
from webui.patient import schedule
from webui.patient.models import FollowUp, OutboxMessage, Questionnaire


def _ustabil_with_login(app, client, auth):
    with app.app_context():
        patient_id = aging.to_ustabil().patient_id
    activate(client, new_code(client, auth, patient_id), "bent.t")
    client.post("/mig/logout")
    return patient_id


def _count(model, *where):
    return db.session.scalar(select(db.func.count()).select_from(model).where(*where))


def test_asked_every_14_days_in_ustabil_reminded_then_escalated(app, client, auth):
    patient_id = _ustabil_with_login(app, client, auth)
    now = clock.utcnow()
    with app.app_context():
        # a pathway without a tier's interval (e.g. from an older version) uses the stage's
        db.session.execute(update(Pathway).values(questionnaire_weeks=None))
        assert schedule.sweep(app.config, now) == {"asked": 1, "reminded": 0, "escalated": 0}
        db.session.commit()
        assert schedule.sweep(app.config, now + timedelta(days=1))["asked"] == 0   # not twice
        # three days without an answer: a reminder in the outbox, no health data in it
        assert schedule.sweep(app.config, now + timedelta(days=3, minutes=1))["reminded"] == 1
        db.session.commit()
        message = db.session.scalar(select(OutboxMessage))
        assert message.kind == "questionnaire_reminder" and "WHO" not in message.body
        assert schedule.sweep(app.config, now + timedelta(days=5))["escalated"] == 0
        # three more days: a task for the tovholder, once
        assert schedule.sweep(app.config, now + timedelta(days=6, minutes=2))["escalated"] == 1
        db.session.commit()
        task = db.session.scalar(select(FollowUp).where(FollowUp.patient_id == patient_id))
        assert (task.reason, task.zone, task.role) == ("no_answer", "yellow", "tovholder")
        assert schedule.sweep(app.config, now + timedelta(days=7))["escalated"] == 0
        # 14 days after the first request: asked again
        assert schedule.sweep(app.config, now + timedelta(days=14, minutes=1))["asked"] == 1
        db.session.commit()
        assert _count(Questionnaire, Questionnaire.patient_id == patient_id) == 2


def test_the_tier_sets_the_interval(app, client, auth):
    patient_id = _ustabil_with_login(app, client, auth)  # Opstart placed the patient at "lav"
    now = clock.utcnow()
    with app.app_context():
        assert db.session.scalar(select(Pathway.questionnaire_weeks)) == 12
        assert schedule.ask_due(app.config, now) == 1
        db.session.commit()
        assert schedule.ask_due(app.config, now + timedelta(days=14, minutes=1)) == 0
        assert schedule.ask_due(app.config, now + timedelta(weeks=12, minutes=1)) == 1
        db.session.commit()
        assert _count(Questionnaire, Questionnaire.patient_id == patient_id) == 2


def test_opstart_patients_are_not_asked_and_the_interval_is_configurable(app, client, auth):
    _ustabil_with_login(app, client, auth)
    with app.app_context():
        assert schedule.sweep({"PATIENT_WHO5_EVERY": {"opstart": 7}})["asked"] == 0
        assert schedule.sweep({"PATIENT_WHO5_EVERY": {"stabil": 42}})["asked"] == 0


def test_outbox_page_is_for_administrators_only(app, client, auth):
    _ustabil_with_login(app, client, auth)
    with app.app_context():
        schedule.sweep(app.config, clock.utcnow())
        schedule.sweep(app.config, clock.utcnow() + timedelta(days=4))
        db.session.commit()
    auth.login("tovholder.kbh")
    assert client.get("/admin/udbakke").status_code == 403
    auth.logout()
    auth.login("admin")
    page = client.get("/admin/udbakke").get_data(as_text=True)
    assert "Et spørgeskema venter på dig" in page and "bent.t" in page
