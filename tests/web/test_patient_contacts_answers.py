"""Planned contacts, crisis plan and WHO-5 from home: what staff do, what the patient sees."""
from datetime import timedelta

from sqlalchemy import select

from tests.web.test_patient_area import _two_patients, activate, new_code
from webui.common.timeutil import local_midnight_utc, local_now, local_today
from webui.extensions import db
from webui.patient.models import FollowUp, PlannedContact, Questionnaire
from webui.patient.questionnaires import add_working_days


def _when(days=1, hour=10):
    """A Danish local time `days` ahead, as a datetime-local input gives it."""
    moment = local_now() + timedelta(days=days)
    return moment.replace(hour=hour, minute=0).strftime("%Y-%m-%dT%H:%M")


CONTACT = {"place": "Psykiatrisk ambulatorium, Nørrebro", "org_code": "region-hovedstaden",
           "person": "Pia Psykiatri", "minutes": "45"}


def _book(client, patient_id, **changes):
    return client.post(f"/patienter/{patient_id}/kontakter", data=CONTACT | {"starts_at": _when()} | changes)


def test_contacts_book_move_cancel_and_bad_input(app, client, auth):
    a, b = _two_patients(app)
    auth.login("psyk.kbh")
    assert _book(client, a).status_code == 303
    bad = [{"starts_at": ""}, {"place": ""}, {"person": " "}, {"org_code": "findes-ikke"},
           {"starts_at": _when(days=-2)}, {"starts_at": _when(days=400)}, {"starts_at": "i morgen"},
           {"starts_at": "9999-01-01T10:00"}, {"minutes": "0"}, {"minutes": "nej"}]
    for change in bad:
        assert _book(client, a, **change).status_code == 400, change
    with app.app_context():
        contact = db.session.scalar(select(PlannedContact))
        assert db.session.scalar(select(db.func.count()).select_from(PlannedContact)) == 1
        cid = contact.id
    moved = client.post(f"/patienter/{a}/kontakter/{cid}/flyt",
                        data=CONTACT | {"starts_at": _when(days=2, hour=13), "place": "Hjemmebesøg"})
    assert moved.status_code == 303
    assert client.post(f"/patienter/{a}/kontakter/{cid}/flyt",
                       data=CONTACT | {"starts_at": _when(days=-3)}).status_code == 400
    # another patient's URL does not reach this contact
    assert client.post(f"/patienter/{b}/kontakter/{cid}/aflys").status_code == 404
    with app.app_context():
        contact = db.session.get(PlannedContact, cid)
        assert contact.place == "Hjemmebesøg" and contact.status == "planned"
    assert client.post(f"/patienter/{a}/kontakter/{cid}/aflys").status_code == 303
    assert client.post(f"/patienter/{a}/kontakter/{cid}/aflys").status_code == 409
    with app.app_context():
        assert db.session.get(PlannedContact, cid).status == "cancelled"


def test_worklist_shows_todays_contacts_of_my_organisation(app, client, auth):
    a, _b = _two_patients(app)
    auth.login("psyk.kbh")
    later_today = local_now() + timedelta(minutes=30)
    if later_today.date() != local_today():      # just before midnight: book for now instead
        later_today = local_now()
    _book(client, a, starts_at=later_today.strftime("%Y-%m-%dT%H:%M"))
    _book(client, a, starts_at=_when(days=3), place="Om tre dage")
    body = client.get("/").get_data(as_text=True)
    today = body.split('id="today-contacts"')[1].split("</section>")[0]
    assert "Bent Testesen" in today and CONTACT["place"] in today and "Om tre dage" not in today
    auth.logout()
    auth.login("rus.frb")                         # another organisation: not on their worklist
    assert 'id="today-contacts"' not in client.get("/").get_data(as_text=True)


def _answer_form(points, suicidal="nej", contact="nej", talk=""):
    form = {f"who5_{i}": str(p) for i, p in enumerate(points, start=1)}
    return form | {"suicidal_thoughts": suicidal, "wants_contact": contact, "talk_about": talk}


def _setup_patient(app, client, auth):
    a, b = _two_patients(app)
    code = new_code(client, auth, a)
    auth.login("tovholder.kbh")
    client.post(f"/patienter/{a}/kontakter", data=CONTACT | {"starts_at": _when(days=2)})
    client.post(f"/patienter/{b}/kontakter", data=CONTACT | {"starts_at": _when(days=2), "place": "B-STEDET"})
    client.post(f"/patienter/{a}/kriseplan", data={"warning_signs": "Sover dårligt", "what_helps": "Gåtur",
                                                   "call_day": "Tovholder 33 33 33 33",
                                                   "call_night": "Psykiatrisk akutmodtagelse 38 64 00 00"})
    client.post(f"/patienter/{b}/kriseplan", data={"call_day": "B-DAG", "call_night": "B-NAT"})
    for pid in (a, b, a):
        client.post(f"/patienter/{pid}/spoergeskema", data={"instrument": "who5"})
    auth.logout()
    activate(client, code, "bent.t")
    with app.app_context():
        own = [q.id for q in db.session.scalars(select(Questionnaire).where(Questionnaire.patient_id == a))]
        other = db.session.scalar(select(Questionnaire.id).where(Questionnaire.patient_id == b))
    return a, b, own, other


def test_patient_home_shows_own_plan_and_nothing_of_others(app, client, auth):
    a, b, own, other = _setup_patient(app, client, auth)
    body = client.get("/mig/").get_data(as_text=True)
    assert "Vi er ved at lære dig at kende" in body            # Opstart in everyday words
    assert "Tove Tovholder" in body and "Region Hovedstaden" in body
    assert CONTACT["place"] in body and "Pia Psykiatri" in body
    assert "Sover dårligt" in body and "38 64 00 00" in body
    assert f"/mig/skema/{own[0]}" in body
    for leak in ("B-STEDET", "B-DAG", "Birthe", "tovholder.kbh", "psyk.kbh", "0101901235", f"/mig/skema/{other}"):
        assert leak not in body, leak
    assert client.get(f"/mig/skema/{other}").status_code == 404
    assert client.post(f"/mig/skema/{other}", data=_answer_form((5,) * 5)).status_code == 404
    assert client.get("/mig/skema/999999").status_code == 404


def test_red_answer_puts_a_same_day_task_with_the_answers_before_the_tovholder(app, client, auth):
    a, _b, own, _other = _setup_patient(app, client, auth)
    response = client.post(f"/mig/skema/{own[0]}", data=_answer_form((1, 1, 1, 1, 1), suicidal="ja",
                                                                       talk="Jeg sover ikke"))
    assert response.status_code == 303
    result = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="call-now"' in result and "112" in result and "38 64 00 00" in result
    assert 'data-zone="red"' in result
    with app.app_context():
        task = db.session.scalar(select(FollowUp).where(FollowUp.patient_id == a))
        assert task.zone == "red" and task.reason == "suicidal_thoughts"
        assert task.due_at.replace(tzinfo=None) == local_midnight_utc(local_today()).replace(tzinfo=None)
        assert task.org_code == "region-hovedstaden" and task.role == "tovholder"
    client.post("/mig/logout")
    auth.login("tovholder.kbh")
    box = client.get("/").get_data(as_text=True).split('id="followups"')[1].split("</section>")[0]
    assert "Bent Testesen" in box and "WHO-5 20" in box and "selvmordstanker" in box
    area = client.get(f"/patienter/{a}/egen-side").get_data(as_text=True)
    assert "Jeg sover ikke" in area and "20 (5/25)" in area
    # a regional clinician without the tovholder role does not get the task
    auth.logout()
    auth.login("psyk.kbh")
    assert 'id="followups"' not in client.get("/").get_data(as_text=True)


def test_yellow_is_due_in_three_working_days_green_makes_no_task(app, client, auth):
    a, _b, own, _other = _setup_patient(app, client, auth)
    assert client.post(f"/mig/skema/{own[0]}", data=_answer_form((2, 2, 2, 2, 2))).status_code == 303
    assert client.post(f"/mig/skema/{own[1]}", data=_answer_form((4, 4, 4, 3, 3))).status_code == 303
    with app.app_context():
        tasks = list(db.session.scalars(select(FollowUp).where(FollowUp.patient_id == a)))
        assert [t.zone for t in tasks] == ["yellow"]
        due = local_midnight_utc(add_working_days(local_today(), 3))
        assert tasks[0].due_at.replace(tzinfo=None) == due.replace(tzinfo=None)
        zones = {q.id: q.zone for q in db.session.scalars(select(Questionnaire).where(Questionnaire.id.in_(own)))}
        assert zones[own[0]] == "yellow" and zones[own[1]] == "green"
    body = client.get("/mig/").get_data(as_text=True)
    answers = body.split('id="answers"')[1]
    assert ">72<" in answers and ">40<" in answers      # (4+4+4+3+3)*4 and (2*5)*4


def test_answered_twice_one_wins_the_other_is_told(app, client, auth):
    _a, _b, own, _other = _setup_patient(app, client, auth)
    first = client.post(f"/mig/skema/{own[0]}", data=_answer_form((5,) * 5))
    second = client.post(f"/mig/skema/{own[0]}", data=_answer_form((0,) * 5))
    assert first.status_code == 303
    # the second tab's post finds the questionnaire answered: shown the saved result, told so
    assert second.status_code == 200 and 'data-zone="green"' in second.get_data(as_text=True)
    with app.app_context():
        row = db.session.get(Questionnaire, own[0])
        assert row.result["percentage"] == 100
        assert db.session.scalar(select(db.func.count()).select_from(FollowUp)) == 0


def test_incomplete_answers_are_refused(app, client, auth):
    _a, _b, own, _other = _setup_patient(app, client, auth)
    form = _answer_form((3,) * 5)
    del form["who5_3"]
    assert client.post(f"/mig/skema/{own[0]}", data=form).status_code == 400
    with app.app_context():
        assert db.session.get(Questionnaire, own[0]).answered_at is None


def test_tovholder_finishes_a_followup(app, client, auth):
    a, _b, own, _other = _setup_patient(app, client, auth)
    client.post(f"/mig/skema/{own[0]}", data=_answer_form((3,) * 5, contact="ja"))
    client.post("/mig/logout")
    with app.app_context():
        fid = db.session.scalar(select(FollowUp.id))
    auth.login("rus.kbh")
    assert client.post(f"/opfoelgning/{fid}/afslut").status_code == 404
    auth.logout()
    auth.login("tovholder.kbh")
    assert client.post(f"/opfoelgning/{fid}/afslut").status_code == 303
    assert 'id="followups"' not in client.get("/").get_data(as_text=True)
    with app.app_context():
        task = db.session.get(FollowUp, fid)
        assert task.done_by == "tovholder.kbh" and task.reason == "wants_contact"

