"""Task page: form with guidance, validation in place, drafts, completion and conflicts."""
from sqlalchemy import select

from engine.models import AuditEntry, Pathway, TaskDraft
from tests.web import pathway_setup as setup
from webui.demo.filler import answers
from webui.extensions import db


def _audit_task(app):
    with app.app_context():
        pathway = setup.to_opstart()
        item = setup.item_for(pathway.id, "audit")
        return pathway.id, pathway.patient_id, item.task_id, pathway.lock_version


def _url(pathway_id, task_id):
    return f"/forloeb/{pathway_id}/opgaver/{task_id}"


def _lock(app, pathway_id):
    with app.app_context():
        return db.session.get(Pathway, pathway_id).lock_version


def test_task_page_renders_form_and_guidance(app, client, auth):
    pathway_id, _, task_id, _ = _audit_task(app)
    auth.login("psyk.kbh")
    body = client.get(_url(pathway_id, task_id)).get_data(as_text=True)
    assert "AUDIT – screening for alkohol" in body
    assert 'name="audit_1"' in body and 'type="radio"' in body
    assert "UDKAST TIL KLINISK GENNEMGANG" in body          # the draft notice
    assert "WHO" in body                                     # sources
    assert 'name="lock_version"' in body
    assert "Afslut opgave" in body and "Gem kladde" in body


def test_phase_form_shows_the_five_parts(app, client, auth):
    with app.app_context():
        pathway = setup.to_opstart()
        for form_id in ("audit", "dudit", "selvmordsrisiko", "medicingennemgang"):
            setup.complete(pathway.id, form_id, {"suicide_risk_level": "lav"} if form_id == "selvmordsrisiko" else None)
        for form_id in ("koordineret_plan", "skadesreduktion"):
            setup.complete(pathway.id, form_id, actor="rus.kbh")
        item = setup.item_for(pathway.id, "opstart_vurdering")
    auth.login("tovholder.kbh")
    body = client.get(_url(pathway.id, item.task_id)).get_data(as_text=True)
    for label in ("Kriterier", "Formål", "Patientens oplevelse og behov", "Aktiviteter",
                  "Standarder, værktøjer og retningslinjer"):
        assert f"<summary>{label}</summary>" in body
    assert body.count("### Kriterier") == 0


def test_invalid_complete_shows_errors_next_to_fields_and_keeps_values(app, client, auth):
    pathway_id, _, task_id, lock = _audit_task(app)
    auth.login("psyk.kbh")
    response = client.post(_url(pathway_id, task_id), data={
        "action": "complete", "lock_version": lock, "audit_1": "3", "audit_2": "9"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    field_2 = body.split('data-field="audit_2"')[1].split('data-field="audit_3"')[0]
    assert "field-error" in field_2 and "Ukendt valgmulighed" in field_2
    field_1 = body.split('data-field="audit_1"')[1].split('data-field="audit_2"')[0]
    assert "field-error" not in field_1 and 'value="3" checked' in field_1
    assert _lock(app, pathway_id) == lock                   # nothing moved


def test_save_draft_then_prefill(app, client, auth):
    pathway_id, patient_id, task_id, _ = _audit_task(app)
    auth.login("psyk.kbh")
    response = client.post(_url(pathway_id, task_id), data={"action": "draft", "audit_1": "4",
                                                             "audit_note": "halvfærdig"})
    assert response.status_code == 302
    body = client.get(_url(pathway_id, task_id)).get_data(as_text=True)
    assert "Der er en gemt kladde fra psyk.kbh" in body
    assert 'value="4" checked' in body and "halvfærdig" in body


def test_complete_moves_on_and_says_where_the_patient_is(app, client, auth):
    pathway_id, patient_id, task_id, lock = _audit_task(app)
    auth.login("psyk.kbh")
    data = {"action": "complete", "lock_version": lock, **answers("audit")}
    response = client.post(_url(pathway_id, task_id), data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/patienter/{patient_id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "er afsluttet. Patienten er nu i fasen: Opstart" in page
    with app.app_context():
        assert all(i.form_id != "audit" for i in setup.open_items(pathway_id))


def test_stale_lock_gets_a_clear_message_and_keeps_input(app, client, auth):
    pathway_id, _, task_id, lock = _audit_task(app)
    with app.app_context():
        setup.complete(pathway_id, "dudit")                # someone else moves the pathway
    auth.login("psyk.kbh")
    data = {"action": "complete", "lock_version": lock, **answers("audit", {"audit_1": "4"})}
    response = client.post(_url(pathway_id, task_id), data=data)
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "ændret af en anden" in body and 'value="4" checked' in body
    with app.app_context():
        assert any(i.form_id == "audit" for i in setup.open_items(pathway_id))


def test_task_completed_by_someone_else_gets_a_message_not_an_error(app, client, auth):
    pathway_id, patient_id, task_id, lock = _audit_task(app)
    with app.app_context():
        setup.complete(pathway_id, "audit", actor="tovholder.kbh")
    auth.login("psyk.kbh")
    data = {"action": "complete", "lock_version": lock, **answers("audit")}
    response = client.post(_url(pathway_id, task_id), data=data, follow_redirects=True)
    assert response.status_code == 200
    assert "tovholder.kbh afsluttede opgaven" in response.get_data(as_text=True)
    assert client.get(_url(pathway_id, task_id), follow_redirects=True).status_code == 200


def test_missing_lock_or_unknown_action_is_400(app, client, auth):
    pathway_id, _, task_id, _ = _audit_task(app)
    auth.login("psyk.kbh")
    assert client.post(_url(pathway_id, task_id), data={"action": "complete"}).status_code == 400
    assert client.post(_url(pathway_id, task_id), data={"action": "explode"}).status_code == 400


def test_task_reads_and_changes_are_audited(app, client, auth):
    pathway_id, patient_id, task_id, lock = _audit_task(app)
    auth.login("psyk.kbh")
    client.get(_url(pathway_id, task_id))
    client.post(_url(pathway_id, task_id), data={"action": "draft", "audit_1": "1"})
    client.post(_url(pathway_id, task_id), data={"action": "complete", "lock_version": lock,
                                                 **answers("audit")})
    with app.app_context():
        actions = [e.action for e in db.session.scalars(select(AuditEntry).where(
            AuditEntry.pathway_id == pathway_id, AuditEntry.actor == "psyk.kbh"))]
    assert {"view_task", "save_draft", "complete_task"} <= set(actions)


def test_background_autosave_keeps_a_draft_without_a_page(app, client, auth):
    pathway_id, patient_id, task_id, _ = _audit_task(app)
    auth.login("psyk.kbh")
    page = client.get(_url(pathway_id, task_id)).get_data(as_text=True)
    assert 'data-autosave-seconds="60"' in page and "autosave.js" in page
    response = client.post(_url(pathway_id, task_id), data={"action": "draft", "audit_1": "3"},
                           headers={"X-Autosave": "1"})
    assert response.status_code == 204 and response.get_data() == b""
    with app.app_context():
        draft = db.session.get(TaskDraft, (pathway_id, task_id))
        assert draft.data["audit_1"] == "3" and draft.actor == "psyk.kbh"
        actions = db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.patient_id == patient_id)).all()
        assert "save_draft" in actions
