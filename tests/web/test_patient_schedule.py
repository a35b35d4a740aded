"""Questionnaires the BPMN asks for: the phase's timer opens a patient task, the worker links it to
the patient's start page, the answer completes it; reminders after 3 days, then a task; a task
that closed takes no answer."""
from datetime import timedelta

from sqlalchemy import select

from engine import clock, service
from engine.models import Pathway, WorklistItem
from tests.web import aging
from tests.web import pathway_setup as setup
from tests.web.test_patient_area import activate, new_code
from webui.common.timeutil import local_today
from webui.extensions import db
from webui.patient import schedule
from webui.patient.models import FollowUp, OutboxMessage, Questionnaire

GOOD = {"who5_1": "4", "who5_2": "4", "who5_3": "4", "who5_4": "4", "who5_5": "4",
        "suicidal_thoughts": "nej", "wants_contact": "nej", "talk_about": ""}


def _ustabil_with_login(app, client, auth):
    """A patient in Ustabil with a login (still logged in); returns (patient id, pathway id)."""
    with app.app_context():
        pathway = aging.to_ustabil()
        ids = pathway.patient_id, pathway.id
    activate(client, new_code(client, auth, ids[0]), "bent.t")
    return ids


def _patient_tasks(pathway_id):
    return list(db.session.scalars(select(WorklistItem).where(
        WorklistItem.pathway_id == pathway_id, WorklistItem.role == "patient")))


def _due(app, pathway_id, days=15):
    """Let the pathway's own timer fire `days` after now, then run the worker's patient sweep."""
    at = clock.utcnow() + timedelta(days=days)
    with app.app_context():
        assert not _patient_tasks(pathway_id)  # nothing before the BPMN's date
        service.tick(db.session, now=at)
        db.session.commit()
        [task] = _patient_tasks(pathway_id)
        assert (task.form_id, task.lane, task.task_spec) == ("who5", "patient", "ustabil_q_answer")
        result = schedule.sweep(app.config, at)
        db.session.commit()
    return at, result


def test_the_bpmn_timer_asks_and_the_answer_completes_the_patient_task(app, client, auth):
    patient_id, pathway_id = _ustabil_with_login(app, client, auth)
    with app.app_context():
        assert schedule.sweep(app.config)["asked"] == 0  # Ustabil just began: not yet
        before = service.pathway_data(db.session, pathway_id)["questionnaire_at"]
    at, result = _due(app, pathway_id)
    assert result["asked"] == 1
    with app.app_context():
        assert schedule.sweep(app.config, at)["asked"] == 0  # not twice for the same task
        row = db.session.scalar(select(Questionnaire).where(Questionnaire.patient_id == patient_id))
        assert row.task_id and row.pathway_id == pathway_id and row.requested_by == schedule.SYSTEM
        run_no = db.session.get(Pathway, pathway_id).run_no
    assert "WHO-5" in client.get("/mig/").get_data(as_text=True)
    response = client.post(f"/mig/skema/{row.id}", data=GOOD)
    assert response.status_code == 303
    with app.app_context():
        assert not _patient_tasks(pathway_id)  # the BPMN task is done in the same request
        pathway = db.session.get(Pathway, pathway_id)
        assert pathway.stage == "ustabil" and pathway.run_no == run_no + 1  # a new cycle
        data = service.pathway_data(db.session, pathway_id)
        # the first came 14 days after entry (no tier's interval yet when the stage began); the
        # next counts from the answer at the tier's interval (Opstart placed the patient at "lav")
        assert before == (local_today() + timedelta(days=14)).isoformat()
        assert (data["complexity_tier"], data["questionnaire_weeks"]) == ("lav", 12)
        assert data["questionnaire_at"] == (local_today() + timedelta(weeks=12)).isoformat()
        assert db.session.get(Pathway, pathway_id).questionnaire_weeks == 12
        assert (data["home_zone"], data["home_instrument"]) == ("green", "who5")


def test_no_answer_brings_a_reminder_then_a_task_for_the_tovholder(app, client, auth):
    patient_id, pathway_id = _ustabil_with_login(app, client, auth)
    at, _ = _due(app, pathway_id)
    with app.app_context():
        assert schedule.sweep(app.config, at + timedelta(days=1))["reminded"] == 0
        assert schedule.sweep(app.config, at + timedelta(days=3, minutes=1))["reminded"] == 1
        db.session.commit()
        message = db.session.scalar(select(OutboxMessage))
        assert message.kind == "questionnaire_reminder" and "WHO" not in message.body
        assert schedule.sweep(app.config, at + timedelta(days=5))["escalated"] == 0
        assert schedule.sweep(app.config, at + timedelta(days=6, minutes=2))["escalated"] == 1
        db.session.commit()
        task = db.session.scalar(select(FollowUp).where(FollowUp.patient_id == patient_id))
        assert (task.reason, task.zone, task.role) == ("no_answer", "yellow", "tovholder")
        assert schedule.sweep(app.config, at + timedelta(days=7))["escalated"] == 0


def test_a_new_cycle_moves_the_open_questionnaire_to_the_new_task(app, client, auth):
    patient_id, pathway_id = _ustabil_with_login(app, client, auth)
    at, _ = _due(app, pathway_id)
    with app.app_context():
        first = db.session.scalar(select(Questionnaire.task_id).where(Questionnaire.patient_id == patient_id))
        setup.complete(pathway_id, "ustabil_aktivitet", now=at)  # "Ny cyklus": open tasks are recreated
        service.tick(db.session, now=at + timedelta(minutes=1))
        db.session.commit()
        assert schedule.sweep(app.config, at + timedelta(minutes=2)) == {
            "asked": 0, "closed": 0, "reminded": 0, "escalated": 0}
        db.session.commit()
        [row] = db.session.scalars(select(Questionnaire).where(Questionnaire.patient_id == patient_id))
        [task] = _patient_tasks(pathway_id)
        assert row.task_id == task.task_id != first and row.closed_at is None


def test_an_answer_after_the_task_closed_is_refused_and_nothing_is_saved(app, client, auth):
    patient_id, pathway_id = _ustabil_with_login(app, client, auth)
    at, _ = _due(app, pathway_id)
    with app.app_context():
        row_id = db.session.scalar(select(Questionnaire.id).where(Questionnaire.patient_id == patient_id))
        setup.complete(pathway_id, "ustabil_vurdering", {"phase_decision": "stabil"},
                       actor="tovholder.kbh", now=at)  # to Stabil: Ustabil's patient task closes
    response = client.post(f"/mig/skema/{row_id}", data=GOOD)  # before the worker noticed
    assert response.status_code == 409 and "lukket" in response.get_data(as_text=True)
    with app.app_context():
        row = db.session.get(Questionnaire, row_id)
        assert row.answered_at is None and row.answers is None and row.closed_at is not None
        assert not db.session.scalar(select(FollowUp).where(FollowUp.patient_id == patient_id))
        assert db.session.get(Pathway, pathway_id).stage == "stabil"
    assert f"/mig/skema/{row_id}" not in client.get("/mig/").get_data(as_text=True)


def test_staff_cannot_work_the_patients_task(app, client, auth):
    _patient_id, pathway_id = _ustabil_with_login(app, client, auth)
    _due(app, pathway_id)
    with app.app_context():
        [task] = _patient_tasks(pathway_id)
        task_id = task.task_id
    client.post("/mig/logout")
    for user in ("tovholder.kbh", "psyk.kbh"):
        auth.login(user)
        url = f"/forloeb/{pathway_id}/opgaver/{task_id}"
        assert client.post(url, data={"who5_1": "5"}).status_code in (403, 404), user
        assert "Spørgeskema hjemmefra" not in client.get("/").get_data(as_text=True).split("<main")[1]
        auth.logout()
    with app.app_context():
        assert len(_patient_tasks(pathway_id)) == 1  # still the patient's
