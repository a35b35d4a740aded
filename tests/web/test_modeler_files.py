"""A proposal may not add files the pathway does not use; files can be removed from a proposal."""
import json

from sqlalchemy import select

from engine.models import DefinitionVersion
from tests.web.pathway_setup import ensure_deployed
from webui.extensions import db

EMPTY_DMN = ('<?xml version="1.0" encoding="UTF-8"?>\n<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" '
             'id="fremmed" name="Fremmed" namespace="http://example.org/dmn"></definitions>\n')


UNUSED_DMN = EMPTY_DMN.replace('</definitions>', (
    '<decision id="fremmed_beslutning" name="Fremmed"><decisionTable id="t" hitPolicy="FIRST">'
    '<input id="i" label="Region"><inputExpression id="ie" typeRef="string"><text>region</text></inputExpression></input>'
    '<output id="o" label="Svar" name="svar" typeRef="string"/>'
    '<rule id="r"><inputEntry id="r_i"><text>-</text></inputEntry><outputEntry id="r_o"><text>"ja"</text></outputEntry></rule>'
    '</decisionTable></decision></definitions>'))


def _current(app):
    with app.app_context():
        ensure_deployed()
        version = db.session.scalars(select(DefinitionVersion).where(
            DefinitionVersion.status == "current")).one()
        return version.id, dict(version.files)


def _new_form(files, form_id):
    schema = json.loads(files["forms/patient_oplevelse.json"])
    schema["id"] = form_id
    schema["x-forlob"]["title"] = "Samtale med pårørende"
    return json.dumps(schema, ensure_ascii=False)


def test_an_empty_foreign_decision_table_is_refused(auth, client, app):
    base, _files = _current(app)
    auth.login("ejer")
    response = client.post("/modeler/api/propose", json={"base_version": base, "files": {"fremmed.dmn": EMPTY_DMN}})
    assert response.status_code == 422
    assert [(p["file"], p["message"]) for p in response.get_json()["problems"]] == [
        ("fremmed.dmn", "beslutningstabellen har ingen beslutning")]


def test_stray_files_are_refused_naming_them(auth, client, app):
    base, files = _current(app)
    auth.login("ejer")
    stray = {"fremmed.dmn": UNUSED_DMN, "forms/samtale_paaroerende.json": _new_form(files, "samtale_paaroerende")}
    for url in ("/modeler/api/validate", "/modeler/api/propose"):
        body = client.post(url, json={"base_version": base, "files": stray}).get_json()
        problems = {p["file"]: p["message"] for p in body["problems"]}
        assert set(problems) == {"fremmed.dmn", "forms/samtale_paaroerende.json"}, body
        assert "ingen regelopgave kalder" in problems["fremmed.dmn"]
        assert "bruges ikke af nogen opgave" in problems["forms/samtale_paaroerende.json"]
    with app.app_context():
        assert db.session.scalar(select(DefinitionVersion.id).order_by(DefinitionVersion.id.desc())) == base


def test_a_new_form_a_task_shows_is_accepted_and_a_file_can_be_removed(auth, client, app):
    base, files = _current(app)
    auth.login("ejer")
    overgang = files["overgang.bpmn"]
    assert overgang.count('value="patient_oplevelse"') == 1
    changes = {"forms/samtale_paaroerende.json": _new_form(files, "samtale_paaroerende"),
               "overgang.bpmn": overgang.replace('value="patient_oplevelse"', 'value="samtale_paaroerende"'),
               "forms/patient_oplevelse.json": None}  # "Fjern fil": nothing uses it any more
    response = client.post("/modeler/api/propose", json={"base_version": base, "files": changes})
    assert response.status_code == 201, response.get_json()
    with app.app_context():
        new = db.session.get(DefinitionVersion, response.get_json()["version"]).files
    assert "forms/samtale_paaroerende.json" in new and "forms/patient_oplevelse.json" not in new
