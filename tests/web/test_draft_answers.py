"""What a user is told when a draft save meets a task that closed: never a 500, text kept."""
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import service
from engine.models import TaskDraft
from engine.runtime import draft_store
from forms.validation import validate
from tests.web import pathway_setup as setup
from webui.demo.filler import answers
from webui.extensions import db

OPSTART_TOOLS = ("audit", "dudit", "selvmordsrisiko", "medicingennemgang", "koordineret_plan",
                 "skadesreduktion")


def _url(pathway_id, task_id):
    return f"/forloeb/{pathway_id}/opgaver/{task_id}"


def _audit_task(app):
    with app.app_context():
        pathway = setup.to_opstart()
        return pathway.id, pathway.patient_id, setup.item_for(pathway.id, "audit").task_id


def _completed_meanwhile(app, monkeypatch, pathway_id, task_id):
    """Make the next draft save meet the task completed by a colleague just before it locks."""
    real = draft_store.open_task

    def colleague_first(session, pid, tid, lock=False):
        if lock and not getattr(colleague_first, "done", False):
            colleague_first.done = True
            with app.app_context():
                other = Session(db.engine)
                data = validate("audit", answers("audit"))
                service.complete_task(other, pid, tid, data, "tovholder.kbh")
                other.commit()
                other.close()
        return real(session, pid, tid, lock=lock)
    monkeypatch.setattr(draft_store, "open_task", colleague_first)


def _drafts(app, pathway_id):
    with app.app_context():
        return db.session.scalars(select(TaskDraft).where(TaskDraft.pathway_id == pathway_id)).all()


def test_autosave_racing_a_completion_is_told_and_keeps_nothing_stale(app, client, auth, monkeypatch):
    pathway_id, _, task_id = _audit_task(app)
    auth.login("psyk.kbh")
    _completed_meanwhile(app, monkeypatch, pathway_id, task_id)
    response = client.post(_url(pathway_id, task_id), data={"action": "draft", "audit_1": "3"},
                           headers={"X-Autosave": "1"})
    body = response.get_data(as_text=True)
    assert response.status_code == 409, body
    assert body == "Opgaven blev afsluttet; din tekst er gemt her."
    assert _drafts(app, pathway_id) == []


def test_draft_save_racing_a_completion_shows_the_text_and_who_completed(app, client, auth,
                                                                           monkeypatch):
    pathway_id, _, task_id = _audit_task(app)
    auth.login("psyk.kbh")
    _completed_meanwhile(app, monkeypatch, pathway_id, task_id)
    response = client.post(_url(pathway_id, task_id), data={
        "action": "draft", "audit_1": "3", "form_id": "audit", "task_spec": "opstart_audit"})
    body = response.get_data(as_text=True)
    assert response.status_code == 409, body
    assert "Opgaven blev afsluttet; din tekst er gemt her." in body
    assert "tovholder.kbh afsluttede opgaven" in body
    assert 'id="mine-text"' in body and "2-3 gange om ugen (3 point)" in body
    assert _drafts(app, pathway_id) == []


def test_a_draft_of_a_task_closed_uncompleted_is_shown_on_the_patient_page(app, client, auth):
    with app.app_context():
        pathway = setup.to_opstart()
        for form_id in OPSTART_TOOLS:
            setup.complete(pathway.id, form_id)
        pathway = setup.complete(pathway.id, "opstart_vurdering", {"phase_decision": "ustabil"})
        assert pathway.stage == "ustabil"
        item = next(i for i in setup.open_items(pathway.id) if i.task_spec == "ustabil_municipal")
        service.save_draft(db.session, pathway.id, item.task_id, {"note": "Netværksmøde 12/3"},
                           "rus.kbh")
        db.session.commit()
        setup.complete(pathway.id, "ustabil_vurdering", {"phase_decision": "stabil"},
                       actor="tovholder.kbh")
        ids = pathway.id, pathway.patient_id, item.task_id
    auth.login("rus.kbh")
    page = client.get(f"/patienter/{ids[1]}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200, body
    assert 'id="kept-drafts"' in body and "Registrér kommunal indsats" in body
    assert "Netværksmøde 12/3" in body and "Fasevurdering" in body
    stale = client.get(_url(ids[0], ids[2]), follow_redirects=True).get_data(as_text=True)
    assert "Opgaven blev lukket uden at blive afsluttet" in stale
    assert "Nogen andre har afsluttet" not in stale
    gone = client.post(f"/forloeb/{ids[0]}/kladder/{ids[2]}/slet", follow_redirects=True)
    assert gone.status_code == 200 and "Kladden er slettet." in gone.get_data(as_text=True)
    assert _drafts(app, ids[0]) == []
