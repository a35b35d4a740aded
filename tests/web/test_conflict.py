"""Nothing typed is lost: someone else completed the task first → both versions side by side."""
from sqlalchemy import func, select

from engine.models import Pathway, TaskRecord
from tests.web import pathway_setup as setup
from tests.web.aging import form_post
from webui.extensions import db

MINE = {**{f"audit_{i}": "4" for i in range(1, 9)}, "audit_9": "4", "audit_10": "4"}


def test_own_entries_are_shown_read_only_and_copyable_beside_what_was_saved(app, client, auth):
    with app.app_context():
        pathway = setup.to_opstart()
        item = setup.item_for(pathway.id, "audit")
        url = f"/forloeb/{pathway.id}/opgaver/{item.task_id}"
        lock, patient_id, pathway_id = pathway.lock_version, pathway.patient_id, pathway.id
    auth.login("psyk.kbh")
    page = client.get(url).get_data(as_text=True)
    assert 'name="form_id" value="audit"' in page and 'name="task_spec" value="opstart_audit"' in page
    with app.app_context():                       # a colleague completes it meanwhile
        setup.complete(pathway_id, "audit", {f"audit_{i}": "0" for i in range(1, 11)},
                       actor="tovholder.kbh")
    data = {**form_post("audit", lock, MINE), "form_id": "audit", "task_spec": "opstart_audit"}
    response = client.post(url, data=data)
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    mine = body.split('id="mine"')[1].split("</section>")[0]
    saved = body.split('id="saved"')[1].split("</section>")[0]
    assert "<input" not in mine and "readonly" in mine           # read-only, but copyable text
    assert "4 gange om ugen eller oftere" in mine                 # the user's own answer
    assert "tovholder.kbh" in saved and "Aldrig" in saved         # what the colleague saved
    assert "1. Hvor tit drikker du alkohol?: 4 gange om ugen" in mine.split('id="mine-text"')[1]
    with app.app_context():
        assert db.session.get(Pathway, pathway_id).stage == "opstart"
        assert db.session.scalar(select(func.count()).select_from(TaskRecord).where(
            TaskRecord.form_id == "audit")) == 1                  # nothing saved twice
    assert patient_id
