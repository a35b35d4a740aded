"""Every field type of the editor's palette can be proposed, approved and filled in on the task page."""
import json

from sqlalchemy import select

from engine.models import DefinitionVersion, TaskRecord
from tests.fixtures.form_fields import EVERY_PALETTE_ANSWER, EVERY_PALETTE_FIELD
from tests.web import pathway_setup as setup
from webui.demo.filler import answers
from webui.extensions import db


def _current(app):
    with app.app_context():
        setup.ensure_deployed()
        version = db.session.scalars(select(DefinitionVersion).where(
            DefinitionVersion.status == "current")).one()
        return version.id, dict(version.files)


def test_a_form_with_every_field_type_is_proposed_and_rendered_on_the_task_page(app, client, auth):
    base, files = _current(app)
    schema = json.loads(files["forms/visitation.json"])
    schema["components"] += EVERY_PALETTE_FIELD
    changed = {"forms/visitation.json": json.dumps(schema, ensure_ascii=False, indent=2)}
    auth.login("ejer")
    response = client.post("/modeler/api/propose", json={"base_version": base, "files": changed,
                                                          "note": "alle felttyper"})
    assert response.status_code == 201, response.get_json()
    auth.logout()
    auth.login("ejer2")
    assert client.post(f"/modeler/versions/{response.get_json()['version']}/approve").status_code == 302
    auth.logout()
    with app.app_context():
        pathway = setup.refer(cpr="0101901311")
        pathway_id, lock = pathway.id, pathway.lock_version
        task_id = setup.item_for(pathway_id, "visitation").task_id
    auth.login("psyk.kbh")
    page = client.get(f"/forloeb/{pathway_id}/opgaver/{task_id}").get_data(as_text=True)
    for label in ("Næste opfølgning", "Klokkeslæt", "Mødedato", "Antal samtaler", "Stoffer",
                  "Felt i gruppe", "Overskrift fra procesejeren", "Et afsnit i <strong>Markdown</strong>"):
        assert label in page, label
    assert 'name="naeste_opfoelgning" type="date"' in page
    assert 'name="datetime_tid" type="time"' in page
    assert 'name="datetime_begge" type="datetime-local"' in page
    own = {k: v for k, v in answers("visitation").items() if v is not False}
    data = {"action": "complete", "lock_version": lock, **own, **EVERY_PALETTE_ANSWER}
    done = client.post(f"/forloeb/{pathway_id}/opgaver/{task_id}", data=data)
    assert done.status_code == 302, done.get_data(as_text=True)[-2000:]
    with app.app_context():
        stored = db.session.scalars(select(TaskRecord.data).where(
            TaskRecord.pathway_id == pathway_id, TaskRecord.form_id == "visitation")).one()
    assert stored["naeste_opfoelgning"] == "2027-01-04" and stored["datetime_tid"] == "09:30:00"
    assert stored["taglist_ab12j"] == ["alkohol", "cannabis"]
