"""Form definitions are sanitised when saved: shown text is Markdown without raw HTML."""
import json

import pytest
from sqlalchemy import func, select

from engine.models import DefinitionVersion
from forms.registry import check_schema, form_text, parse_form
from tests.web.pathway_setup import ensure_deployed
from webui.extensions import db

XSS = '<img src=x onerror="alert(1)">'


@pytest.fixture(autouse=True)
def deployed(app):
    with app.app_context():
        ensure_deployed()


def _audit_form_with(text=None, label=None):
    schema = json.loads(form_text("audit"))
    if text is not None:
        schema["components"].insert(0, {"type": "text", "text": text})
    if label is not None:
        first = next(c for c in schema["components"] if c.get("key"))
        first["label"] = label
    return schema


@pytest.mark.parametrize("kind,value", [
    ("text", XSS), ("text", "Læs <script>alert(1)</script>"), ("text", "<!-- x -->"),
    ("text", "[klik](javascript:alert(1))"), ("label", "<b onmouseover=x>Navn</b>"),
    ("label", "Navn\x07"), ("text", "Plan \ud800")])
def test_raw_html_and_bad_text_are_refused_at_validation(kind, value):
    schema = _audit_form_with(**{kind: value})
    assert check_schema("audit", schema), value


@pytest.mark.parametrize("text", ["**Vigtigt**: score < 5 eller > 10", "Se <https://sst.dk>",
                                  "- punkt\n- punkt\n\n[Sundhedsstyrelsen](https://sst.dk)"])
def test_markdown_the_task_page_renders_is_allowed(text):
    assert check_schema("audit", _audit_form_with(text=text)) == []


def test_saving_a_form_with_raw_html_changes_nothing(auth, client, app):
    auth.login("ejer")
    with app.app_context():
        base = db.session.scalars(select(DefinitionVersion.id).where(
            DefinitionVersion.status == "current")).one()
        before = db.session.scalar(select(func.count()).select_from(DefinitionVersion))
    body = json.dumps(_audit_form_with(text=XSS), ensure_ascii=False)
    response = client.post("/modeler/api/propose", json={"base_version": base,
                                                         "files": {"forms/audit.json": body}})
    assert response.status_code == 422
    problems = response.get_json()["problems"]
    assert any(p["file"] == "forms/audit.json" and "raw HTML" in p["message"] for p in problems)
    preview = client.post("/modeler/api/form-preview", json={"schema": _audit_form_with(text=XSS)})
    assert preview.status_code == 200 and any("raw HTML" in p for p in preview.get_json()["problems"])
    assert "<img" not in preview.get_json()["html"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DefinitionVersion)) == before


def test_a_version_saved_before_the_rule_still_opens():
    """Reading a deployed definition does not apply the save-time text check."""
    text = json.dumps(_audit_form_with(text=XSS), ensure_ascii=False)
    assert parse_form("audit", text).id == "audit"
    assert check_schema("audit", json.loads(text), texts=False) == []


def test_an_html_component_is_held_to_the_same_rule():
    """form-js's "html" component keeps its text in "content"; the task page renders it as
    Markdown and the editor as plain text, so it may hold no raw HTML either."""
    schema = json.loads(form_text("audit"))
    schema["components"].insert(0, {"type": "html", "id": "Html_1", "content": XSS})
    assert any("content" in p for p in check_schema("audit", schema))
    schema["components"][0]["content"] = "**Vigtigt**"
    assert check_schema("audit", schema) == []
