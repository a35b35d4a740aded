"""Leave (STOR … SLOR) pauses the inpatient stage's deadlines and moves them on by its length."""
from datetime import datetime, timedelta

from sqlalchemy import select

from engine.clock import as_utc
from engine.models import WorklistItem
from tests.web import pathway_setup as setup
from tests.web.hn_bundles import header_id, message
from tests.web.test_fhir_messaging import CPR, ok, opstart, stay, token  # noqa: F401 (fixture)
from webui.extensions import db

LEAVE = "2026-03-03T10:00:00+01:00"
BACK = "2026-03-05T16:00:00+01:00"   # 2 days 6 hours later
LENGTH = timedelta(days=2, hours=6)


def dues(app, pathway_id):
    """{form id: due (UTC) or None} of the open inpatient tasks."""
    with app.app_context():
        return {i.form_id: (as_utc(i.due_at) if i.due_at else None) for i in db.session.scalars(
            select(WorklistItem).where(WorklistItem.pathway_id == pathway_id, WorklistItem.stage == "indlagt",
                                       WorklistItem.kind == "task", WorklistItem.urgent.is_(False)))}


def admitted(app, client, token):  # noqa: F811
    pathway_id = opstart(app)
    admit = message("admit-inpatient", "IMP", "in-progress", CPR)
    ok(client, token, admit)
    return pathway_id, [("admit-inpatient", header_id(admit))]


def leave(client, token, earlier, activity="start-leave-inpatient", status="onleave", at=LEAVE):  # noqa: F811
    sent = message(activity, "IMP", status, CPR, occurred=at, earlier=earlier)
    ok(client, token, sent)
    return sent


def test_leave_pauses_and_return_moves_the_deadlines_on(app, client, token):  # noqa: F811
    pathway_id, earlier = admitted(app, client, token)
    before = dues(app, pathway_id)
    assert before and all(before.values())
    leave(client, token, earlier)
    assert set(dues(app, pathway_id).values()) == {None}           # paused while on leave
    leave(client, token, earlier, "end-leave-inpatient", "in-progress", BACK)
    after = dues(app, pathway_id)
    assert after == {form: due + LENGTH for form, due in before.items()}
    assert stay(app)[4][0]["shift_s"] == int(LENGTH.total_seconds())


def test_tasks_opening_during_and_after_a_leave(app, client, token):  # noqa: F811
    pathway_id, earlier = admitted(app, client, token)
    leave(client, token, earlier)
    with app.app_context():   # the first contact is completed while the patient is on leave
        setup.complete(pathway_id, "indlagt_henvendelse")
        setup.complete(pathway_id, "selvmordsrisiko")
    opened = dues(app, pathway_id)
    assert "indlagt_diagnostik" in opened and set(opened.values()) == {None}   # new tasks are paused too
    paused = stay(app)[4][-1]["paused"]
    leave(client, token, earlier, "end-leave-inpatient", "in-progress", BACK)
    with app.app_context():
        items = db.session.scalars(select(WorklistItem).where(
            WorklistItem.pathway_id == pathway_id, WorklistItem.stage == "indlagt", WorklistItem.urgent.is_(False)))
        for item in items:
            assert as_utc(item.due_at) == as_utc(datetime.fromisoformat(paused[item.task_id])) + LENGTH


def test_cancelled_leave_gives_the_deadlines_back_unchanged(app, client, token):  # noqa: F811
    pathway_id, earlier = admitted(app, client, token)
    before = dues(app, pathway_id)
    leave(client, token, earlier)
    leave(client, token, earlier, "cancel-start-leave-inpatient", "in-progress")
    assert dues(app, pathway_id) == before and stay(app)[4] == []


def test_corrected_and_cancelled_end_of_leave(app, client, token):  # noqa: F811
    pathway_id, earlier = admitted(app, client, token)
    before = dues(app, pathway_id)
    leave(client, token, earlier)
    leave(client, token, earlier, "end-leave-inpatient", "in-progress", BACK)
    # the hospital corrects the return to a day later: the deadlines follow
    leave(client, token, earlier, "revise-end-leave-inpatient", "in-progress", "2026-03-06T16:00:00+01:00")
    assert dues(app, pathway_id) == {form: due + LENGTH + timedelta(days=1) for form, due in before.items()}
    # the end of leave is cancelled: on leave again, paused, and the deadlines kept unmoved
    leave(client, token, earlier, "cancel-end-leave-inpatient", "onleave")
    assert set(dues(app, pathway_id).values()) == {None}
    assert {k: v for k, v in stay(app)[4][-1].items() if k != "paused"} == {"start": "2026-03-03T09:00:00+00:00",
                                                                           "end": None}
    leave(client, token, earlier, "end-leave-inpatient", "in-progress", BACK)
    assert dues(app, pathway_id) == {form: due + LENGTH for form, due in before.items()}


def test_tasks_opening_after_a_leave_get_its_length_added(app, client, token):  # noqa: F811
    other = opstart(app, cpr="0303903456")   # the same admission without leave, for comparison
    ok(client, token, message("admit-inpatient", "IMP", "in-progress", "0303903456", episode="uden-orlov"))
    pathway_id, earlier = admitted(app, client, token)
    leave(client, token, earlier)
    leave(client, token, earlier, "end-leave-inpatient", "in-progress", BACK)
    with app.app_context():
        for pathway in (pathway_id, other):
            setup.complete(pathway, "indlagt_henvendelse")
            setup.complete(pathway, "selvmordsrisiko")
    with_leave, without = dues(app, pathway_id), dues(app, other)
    assert with_leave["indlagt_diagnostik"] == without["indlagt_diagnostik"] + LENGTH
