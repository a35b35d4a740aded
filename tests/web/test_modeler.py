"""Process owners list versions, upload BPMN/DMN and deploy modeler edits through the engine."""
import io

import pytest
from sqlalchemy import func, select

from engine.models import DefinitionVersion
from tests.web.pathway_setup import ensure_deployed
from webui.extensions import db


@pytest.fixture(autouse=True)
def deployed(app):
    with app.app_context():
        ensure_deployed()


def version_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(DefinitionVersion))


def newest(app):
    with app.app_context():
        version = db.session.scalars(
            select(DefinitionVersion).order_by(DefinitionVersion.id.desc())).first()
        return version.id, dict(version.files)


@pytest.mark.parametrize("username", ["psyk.kbh", "rus.kbh", "leder", "admin"])
def test_only_process_owners_open_the_modeler(auth, client, username):
    auth.login(username)
    assert client.get("/modeler/").status_code == 403
    assert client.post("/modeler/upload").status_code == 403


def test_versions_are_listed_with_their_files(auth, client, app):
    auth.login("ejer")
    version_id, files = newest(app)
    page = client.get("/modeler/").get_data(as_text=True)
    assert "Forløbsdefinitioner" in page and "ustabil.bpmn" in page
    raw = client.get(f"/modeler/versions/{version_id}/files/ustabil.bpmn")
    assert raw.status_code == 200 and raw.get_data(as_text=True) == files["ustabil.bpmn"]
    assert raw.headers["Content-Type"].startswith("text/plain")
    assert raw.headers["Content-Disposition"].startswith("attachment")
    edit = client.get(f"/modeler/versions/{version_id}/edit/ustabil.bpmn").get_data(as_text=True)
    assert "bpmn-modeler.production.min.js" in edit and "modeler.js" in edit
    assert client.get(f"/modeler/versions/{version_id}/edit/nope.bpmn").status_code == 404
    assert client.get("/modeler/versions/99999/files/ustabil.bpmn").status_code == 404


def test_upload_of_a_changed_file_deploys_a_new_version(auth, client, app):
    auth.login("ejer")
    before, files = newest(app)
    changed = files["stabil.bpmn"].replace('name="Stabil"', 'name="Stabil fase"', 1)
    assert changed != files["stabil.bpmn"]
    response = client.post("/modeler/upload", data={
        "files": (io.BytesIO(changed.encode()), "stabil.bpmn"), "note": "nyt navn"},
        content_type="multipart/form-data")
    assert response.status_code == 302
    after, new_files = newest(app)
    assert after != before
    assert new_files["stabil.bpmn"] == changed
    assert new_files["ustabil.bpmn"] == files["ustabil.bpmn"]  # the rest of the bundle is kept


@pytest.mark.parametrize("name, content, expected", [
    ("stabil.bpmn", b"<not xml", "stabil.bpmn"),
    ("notes.txt", b"hello", "Kun .bpmn- og .dmn-filer"),
    ("extra.dmn", b"<a/>", "extra.dmn"),
    ("stabil.bpmn", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                    b"<x>&e;</x>", "stabil.bpmn"),
])
def test_bad_uploads_are_refused_and_change_nothing(auth, client, app, name, content, expected):
    auth.login("ejer")
    count = version_count(app)
    response = client.post("/modeler/upload", data={"files": (io.BytesIO(content), name)},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Definitionen blev ikke udrullet" in page and expected in page
    assert "root:" not in page
    assert version_count(app) == count


def test_upload_without_files_is_refused(auth, client, app):
    auth.login("ejer")
    count = version_count(app)
    response = client.post("/modeler/upload", data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Vælg mindst én" in response.get_data(as_text=True)
    assert version_count(app) == count


def test_modeler_deploy_names_the_element_of_a_rule_violation(auth, client, app):
    auth.login("ejer")
    version_id, files = newest(app)
    broken = files["ustabil.bpmn"].replace('value="ustabil_aktivitet"', 'value="no_such_form"', 1)
    assert broken != files["ustabil.bpmn"]
    response = client.post(f"/modeler/versions/{version_id}/deploy",
                           json={"filename": "ustabil.bpmn", "xml": broken})
    assert response.status_code == 422
    problems = response.get_json()["problems"]
    assert any(p[0] == "ustabil.bpmn" and p[1] and "no_such_form" in p[3] for p in problems)
    assert newest(app)[0] == version_id


def test_modeler_deploy_of_a_valid_edit(auth, client, app):
    auth.login("ejer")
    version_id, files = newest(app)
    edited = files["overgang.bpmn"].replace("</bpmn:definitions>",
                                            "<!-- edited --></bpmn:definitions>")
    response = client.post(f"/modeler/versions/{version_id}/deploy",
                           json={"filename": "overgang.bpmn", "xml": edited})
    body = response.get_json()
    assert response.status_code == 200 and body["ok"] and body["version"] != version_id
    bad = client.post(f"/modeler/versions/{version_id}/deploy", json={"filename": "x.bpmn"})
    assert bad.status_code == 400
