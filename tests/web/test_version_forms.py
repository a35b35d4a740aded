"""A running pathway shows and validates the forms of its own definition version."""
from engine import service
from engine.models import DefinitionVersion
from tests.web import pathway_setup as setup
from webui.extensions import db

OLD = "Kriterier for optagelse (sæt kryds ved det, der er opfyldt)"
NEW = "Kriterier for optagelse – ny tekst fra procesejeren"


def _visitation(pathway_id):
    return setup.item_for(pathway_id, "visitation").task_id


def test_each_pathway_sees_the_forms_of_its_own_version(app, client, auth):
    with app.app_context():
        setup.ensure_deployed()
        first = setup.refer(cpr="0101901301")
        old_task = (first.id, _visitation(first.id))
        current = db.session.scalar(db.select(DefinitionVersion).where(
            DefinitionVersion.status == "current"))
        files = dict(current.files)
        assert OLD in files["forms/visitation.json"]
        files["forms/visitation.json"] = files["forms/visitation.json"].replace(OLD, NEW)
        second_version = service.deploy_bundle(db.session, files, "system").id
        db.session.commit()
        second = setup.refer(cpr="0101901302")
        assert (first.version_id, second.version_id) == (current.id, second_version)
        new_task = (second.id, _visitation(second.id))
    auth.login("psyk.kbh")
    old_page = client.get("/forloeb/{}/opgaver/{}".format(*old_task)).get_data(as_text=True)
    new_page = client.get("/forloeb/{}/opgaver/{}".format(*new_task)).get_data(as_text=True)
    assert OLD in old_page and NEW not in old_page
    assert NEW in new_page and OLD not in new_page
