"""BPMN/DMN text follows the one text rule at every door: upload, editor, API and CLI."""
import io
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.definitions.parsing import parse_xml, xml_text_problems
from engine.models import DefinitionVersion
from tests.web.pathway_setup import ensure_deployed
from webui.extensions import db

BAD_NAMES = {
    "C1 control": 'name="Stabil\u0085fase"',
    "DEL": 'name="Stabil\u007f"',
    "too long": 'name="' + "S" * 4001 + '"',
}


@pytest.fixture(autouse=True)
def deployed(app):
    with app.app_context():
        ensure_deployed()


def _versions(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(DefinitionVersion))


def _current_stabil(app):
    with app.app_context():
        version = db.session.scalars(select(DefinitionVersion).where(
            DefinitionVersion.status == "current")).one()
        return version.id, version.files["stabil.bpmn"]


def _bad(text, replacement):
    changed = text.replace('name="Stabil"', replacement, 1)
    assert changed != text
    return changed


def test_the_repository_definitions_follow_the_rule(app):
    for path in sorted(Path(app.config["BPMN_DIR"]).glob("*.[bd]*n")):
        assert xml_text_problems(path.name, parse_xml(path.name, path.read_bytes())) == []


@pytest.mark.parametrize("kind", sorted(BAD_NAMES))
def test_upload_refuses_bad_text_and_changes_nothing(auth, client, app, kind):
    auth.login("ejer")
    count = _versions(app)
    _, stabil = _current_stabil(app)
    data = _bad(stabil, BAD_NAMES[kind]).encode("utf-8")
    response = client.post("/modeler/upload", data={"files": (io.BytesIO(data), "stabil.bpmn")},
                           content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert response.status_code == 422, body
    assert "stabil.bpmn" in body and ("control characters" in body or "at most 4000" in body)
    assert _versions(app) == count


def test_upload_of_invalid_utf8_is_refused(auth, client, app):
    auth.login("ejer")
    count = _versions(app)
    _, stabil = _current_stabil(app)
    data = stabil.encode("utf-8").replace(b'name="Stabil"', b'name="Stabil \xed\xa0\x80"', 1)
    response = client.post("/modeler/upload", data={"files": (io.BytesIO(data), "stabil.bpmn")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "UTF-8" in response.get_data(as_text=True)
    assert _versions(app) == count


def test_editor_save_and_api_propose_refuse_bad_text(auth, client, app):
    auth.login("ejer")
    count = _versions(app)
    base, stabil = _current_stabil(app)
    bad = _bad(stabil, BAD_NAMES["too long"])
    saved = client.post(f"/modeler/versions/{base}/deploy", json={"filename": "stabil.bpmn", "xml": bad})
    assert saved.status_code in (400, 422) and saved.is_json
    assert "4000" in saved.get_data(as_text=True)
    proposed = client.post("/modeler/api/propose", json={"base_version": base, "files": {"stabil.bpmn": bad}})
    assert proposed.status_code in (400, 422) and "4000" in proposed.get_data(as_text=True)
    control = _bad(stabil, BAD_NAMES["C1 control"])
    refused = client.post("/modeler/api/propose", json={"base_version": base,
                                                        "files": {"stabil.bpmn": control}})
    assert refused.status_code in (400, 422) and refused.is_json
    assert "control characters" in refused.get_data(as_text=True)
    assert _versions(app) == count


def test_cli_deploy_refuses_bad_text(app, runner, tmp_path):
    source = tmp_path / "bpmn"
    shutil.copytree(app.config["BPMN_DIR"], source)
    stabil = source / "stabil.bpmn"
    stabil.write_text(_bad(stabil.read_text(encoding="utf-8"), BAD_NAMES["DEL"]), encoding="utf-8")
    count = _versions(app)
    result = runner.invoke(args=["engine", "deploy", str(source)])
    assert result.exit_code != 0 and "control characters" in result.output
    assert _versions(app) == count


def test_a_refused_form_post_says_why(auth, client, app):
    auth.login("ejer")
    page = client.post("/modeler/upload", data={"note": "x\u0001y"})
    assert page.status_code == 400 and "kontroltegn" in page.get_data(as_text=True)


def test_element_text_has_a_limit_too():
    from lxml import etree  # noqa: PLC0415  (only this test builds a tree by hand)

    root = etree.fromstring("<definitions><documentation>ok\tfine\n</documentation></definitions>")
    assert xml_text_problems("x.bpmn", root) == []
    root[0].text = "d" * 200_001
    [problem] = xml_text_problems("x.bpmn", root)
    assert problem[0] == "x.bpmn" and "at most 200000" in problem[3]
