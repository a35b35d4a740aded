"""Engine rule messages are Danish, and English through the translation catalogue (issue 22)."""
import ast
import json
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from engine.errors import Message
from tests.web.pathway_setup import ensure_deployed
from tests.web.test_modeler_files import EMPTY_DMN, _current
from webui.i18n import localise

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "webui" / "translations" / "en" / "LC_MESSAGES" / "messages.po"


@pytest.fixture(autouse=True)
def compiled_catalog():
    """The English catalogue compiled from the shipped .po (setup.sh does the same)."""
    mo = PO.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < PO.stat().st_mtime:
        with open(PO, "rb") as po, open(mo, "wb") as out:
            write_mo(out, read_po(po))


def _templates():
    """Every Message("…") template written in engine/ and forms/."""
    for folder in ("engine", "forms"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Message" \
                        and node.args and isinstance(node.args[0], ast.Constant):
                    yield path.name, node.args[0].value


def test_every_engine_message_has_an_english_translation():
    with open(PO, "rb") as po:
        catalogue = read_po(po)
    templates = [(f, t) for f, t in _templates() if t != "%(parts)s"]  # only joins translated parts
    assert len(templates) > 50
    missing = [(f, t) for f, t in templates if t not in catalogue or not catalogue[t].string]
    assert not missing, missing


def test_a_message_is_plain_text_and_translates_with_its_values(app):
    message = Message("feltet %(key)r har ingen etiket", key="naeste_opfoelgning")
    assert message == "feltet 'naeste_opfoelgning' har ingen etiket"
    with app.test_request_context():
        assert localise(message) == "feltet 'naeste_opfoelgning' har ingen etiket"
    with app.test_request_context() as ctx:
        ctx.session["lang"] = "en"
        assert localise(message) == "field 'naeste_opfoelgning' has no label"
        assert localise("plain text") == "plain text"


def _unlabelled(files):
    schema = json.loads(files["forms/patient_oplevelse.json"])
    schema["components"].append({"type": "datetime", "subtype": "date", "key": "naeste_opfoelgning",
                                 "id": "Field_naeste"})
    return {"forms/patient_oplevelse.json": json.dumps(schema, ensure_ascii=False)}


@pytest.mark.parametrize("lang,label,dmn", [
    ("da", "feltet 'naeste_opfoelgning' har ingen etiket", "beslutningstabellen har ingen beslutning"),
    ("en", "field 'naeste_opfoelgning' has no label", "the decision table has no decision"),
])
def test_validate_and_propose_speak_the_owners_language(auth, client, app, lang, label, dmn):
    base, files = _current(app)
    auth.login("ejer")
    client.post("/lang", data={"lang": lang})
    body = client.post("/modeler/api/validate", json={"base_version": base, "files": _unlabelled(files)}).get_json()
    assert [p["message"] for p in body["problems"]] == [label]
    response = client.post("/modeler/api/propose", json={"base_version": base, "files": {"fremmed.dmn": EMPTY_DMN}})
    assert response.status_code == 422
    assert [p["message"] for p in response.get_json()["problems"]] == [dmn]


def test_the_form_preview_names_problems_in_english(auth, client, app):
    with app.app_context():
        ensure_deployed()
    _base, files = _current(app)
    auth.login("ejer")
    client.post("/lang", data={"lang": "en"})
    schema = json.loads(_unlabelled(files)["forms/patient_oplevelse.json"])
    body = client.post("/modeler/api/form-preview", json={"schema": schema}).get_json()
    assert "field 'naeste_opfoelgning' has no label" in body["problems"]
