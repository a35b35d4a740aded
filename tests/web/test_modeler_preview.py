"""The form editor's preview: a form rendered by the task page's own code, nothing stored."""
import json
from pathlib import Path

FORMS = Path(__file__).resolve().parents[2] / "forms" / "definitions"


def test_preview_renders_fields_and_guidance_as_the_task_page(auth, client):
    auth.login("ejer")
    schema = json.loads((FORMS / "stabil_vurdering.json").read_text(encoding="utf-8"))
    schema["components"].append({"type": "textfield", "id": "Field_new", "key": "ny_note",
                                 "label": "Ny <b>note</b>"})
    schema["x-forlob"]["sections"]["purpose"] = "Et nyt **formål**"
    body = client.post("/modeler/api/form-preview", json={"schema": schema}).get_json()
    html = body["html"]
    # raw HTML is refused when saved (it would be markup in the editor's canvas) ...
    assert len(body["problems"]) == 1 and "raw HTML" in body["problems"][0]
    assert "Ny &lt;b&gt;note&lt;/b&gt;" in html  # ... and the preview escapes it, never markup
    assert "Et nyt <strong>formål</strong>" in html  # guidance is Markdown, as on the task page
    assert 'data-section="criteria"' in html and "<fieldset class=\"task-fields\" disabled>" in html


def test_preview_names_the_problems_of_a_broken_form(auth, client):
    auth.login("ejer")
    schema = {"id": "x", "type": "default", "components": [{"type": "camera", "key": "a"}]}
    body = client.post("/modeler/api/form-preview", json={"schema": schema}).get_json()
    assert any("ukendt felttype" in p for p in body["problems"])
    assert "Formularen har fejl" in body["html"]


def test_preview_refuses_bad_requests_and_other_roles(auth, client):
    auth.login("ejer")
    assert client.post("/modeler/api/form-preview", json={"schema": "x"}).status_code == 400
    auth.logout()
    auth.login("psyk.kbh")
    assert client.post("/modeler/api/form-preview", json={"schema": {}}).status_code == 403
