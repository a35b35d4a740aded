"""Contact hours: time and contact form registered per activity, planned against used per phase."""
from sqlalchemy import func, select

from engine import service
from engine.definitions.versions import read_source
from engine.models import Pathway, TaskRecord
from tests.web import pathway_setup as setup
from tests.web.aging import form_post, to_ustabil
from webui.extensions import db
from webui.pathways.contact_hours import flag_of

ACTIVITY = {"activity_type": "behandlingssamtale", "duration_minutes": 45, "contact_form": "video"}


def _ustabil(app):
    with app.app_context():
        pathway = to_ustabil()
        return pathway.id, pathway.patient_id


def _task_url(app, pathway_id, form_id):
    with app.app_context():
        item = setup.item_for(pathway_id, form_id)
        lock = db.session.get(Pathway, pathway_id).lock_version
        return f"/forloeb/{pathway_id}/opgaver/{item.task_id}", lock


def _records(app, form_id):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(TaskRecord)
                                 .where(TaskRecord.form_id == form_id))


def _stay(page, stage):
    return page.split('id="contact-hours"')[1].split(f'data-stage="{stage}"')[1].split("</div>")[0]


def test_a_clinician_registers_time_and_contact_form_and_sees_it_against_the_frame(app, client, auth):
    pathway_id, patient_id = _ustabil(app)
    url, lock = _task_url(app, pathway_id, "ustabil_aktivitet")
    auth.login("psyk.kbh")
    page = client.get(url).get_data(as_text=True)
    assert 'name="contact_form"' in page and "Udgående" in page and "720 minutter" in page
    assert client.post(url, data=form_post("ustabil_aktivitet", lock, ACTIVITY)).status_code == 302
    with app.app_context():
        record = db.session.scalar(select(TaskRecord).where(TaskRecord.form_id == "ustabil_aktivitet"))
        assert (record.data["duration_minutes"], record.data["contact_form"]) == (45, "video")
    page = client.get(f"/patienter/{patient_id}").get_data(as_text=True)
    stay = _stay(page, "ustabil")
    row = stay.split('data-activity="behandlingssamtale"')[1].split("</tr>")[0]
    assert '<td data-label="Ramme (timer)" class="frame">10.0</td>' in row
    assert '<td data-label="Brugt (timer)" class="used">0.8</td>' in row
    assert "Video 45 min." in stay
    assert "flag-" not in stay  # an ongoing stay is not flagged for under-use


def test_negative_and_absurd_durations_are_refused_with_a_clear_message(app, client, auth):
    pathway_id, _patient = _ustabil(app)
    url, lock = _task_url(app, pathway_id, "ustabil_aktivitet")
    auth.login("psyk.kbh")
    for minutes in ("-10", "721", "0", "1440"):
        data = form_post("ustabil_aktivitet", lock, {**ACTIVITY, "duration_minutes": minutes})
        response = client.post(url, data=data)
        assert response.status_code == 422, minutes
        assert "Værdien skal være mellem 1 og 720." in response.get_data(as_text=True)
    data = form_post("ustabil_aktivitet", lock, ACTIVITY)
    del data["duration_minutes"]
    assert client.post(url, data=data).status_code == 422
    data = form_post("ustabil_aktivitet", lock, {**ACTIVITY, "contact_form": "brevdue"})
    assert client.post(url, data=data).status_code == 422
    assert _records(app, "ustabil_aktivitet") == 0


def test_use_over_the_frame_is_flagged_not_blocked(app, client, auth):
    pathway_id, patient_id = _ustabil(app)
    with app.app_context():
        for _ in range(3):  # 3 × 5 h of conversations against a frame of 10 h + 20 %
            setup.complete(pathway_id, "ustabil_aktivitet", {**ACTIVITY, "duration_minutes": 300})
    assert _records(app, "ustabil_aktivitet") == 3
    auth.login("psyk.kbh")
    page = client.get(f"/patienter/{patient_id}").get_data(as_text=True)
    stay_head = page.split('id="contact-hours"')[1].split('data-stage="ustabil"')[1].split("<table")[0]
    assert "flag-" not in stay_head  # 15 h of the phase's 23.5 h in all: within the total
    row = _stay(page, "ustabil").split('data-activity="behandlingssamtale"')[1].split("</tr>")[0]
    assert "flag-over" in row and "15.0" in row


def test_an_ended_stay_below_its_frame_is_flagged_under(app, client, auth):
    pathway_id, patient_id = _ustabil(app)
    with app.app_context():
        setup.complete(pathway_id, "ustabil_aktivitet", {**ACTIVITY, "duration_minutes": 30})
        setup.complete(pathway_id, "ustabil_vurdering", {"phase_decision": "stabil"},
                       actor="tovholder.kbh")
    auth.login("psyk.kbh")
    page = client.get(f"/patienter/{patient_id}").get_data(as_text=True)
    hours = page.split('id="contact-hours"')[1]
    current = hours.split('data-stage="stabil"')[1].split("<table")[0]
    ended = hours.split('Tidligere ophold')[1].split('data-stage="ustabil"')[1].split("</li>")[0]
    assert "flag-under" in ended and "0.5 / 23.5" in ended
    assert "igangværende" in current and "flag-" not in current


def test_frames_come_from_the_decision_table_process_owners_edit(app):
    with app.app_context():
        setup.ensure_deployed()
        assert service.decide(db.session, "contact_frame",
                              {"stage": "stabil", "activity_type": "gruppe"}) == \
            {"frame_hours": 14, "margin_percent": 20}
        files = read_source(app.config["BPMN_DIR"])
        files["contact_frames.dmn"] = files["contact_frames.dmn"].replace(
            b'<outputEntry id="frame_12_hours"><text>14</text>',
            b'<outputEntry id="frame_12_hours"><text>16</text>')
        edited = service.deploy_bundle(db.session, files, "ejer", status="proposed")
        assert service.decide(db.session, "contact_frame",
                              {"stage": "stabil", "activity_type": "gruppe"},
                              edited.id)["frame_hours"] == 16


def test_flag_rule():
    assert flag_of(12.1, 10, 20, allow_under=False) == "over"
    assert flag_of(12.0, 10, 20, allow_under=True) is None
    assert flag_of(7.9, 10, 20, allow_under=True) == "under"
    assert flag_of(7.9, 10, 20, allow_under=False) is None
    assert flag_of(5, None, 20, allow_under=True) is None
