"""Every form definition renders server-side, and a post reads back into valid data."""
import pytest
from flask import render_template_string
from werkzeug.datastructures import MultiDict

from forms.registry import form_ids, load_form
from forms.validation import validate
from webui.demo.filler import answers
from webui.pathways.formview import build_fields, markdown, raw_from_post, shown_elsewhere, unknown_errors

RENDER = ('{% from "pathways/_formjs.html" import render_fields %}'
          '{{ render_fields(fields, ro) }}')


def _post_of(data):
    """The form post a browser would send for these answers."""
    pairs = []
    for key, value in data.items():
        if value is True:
            pairs.append((key, "on"))
        elif value is False or value is None:
            continue
        elif isinstance(value, list):
            pairs += [(key, v) for v in value]
        else:
            pairs.append((key, str(value)))
    return MultiDict(pairs)


@pytest.mark.parametrize("form_id", form_ids())
def test_form_renders_every_input(app, form_id):
    definition = load_form(form_id)
    with app.test_request_context():
        fields = build_fields(definition.schema["components"], {}, {},
                              skip_texts=shown_elsewhere(definition.schema))
        html = render_template_string(RENDER, fields=fields, ro=False)
    for field in definition.fields:
        assert f'name="{field["key"]}"' in html, field["key"]


@pytest.mark.parametrize("form_id", form_ids())
def test_post_round_trip_validates(app, form_id):
    definition = load_form(form_id)
    data = answers(form_id)
    raw = raw_from_post(definition.schema, _post_of(data))
    cleaned = validate(form_id, raw)
    assert set(f["key"] for f in definition.fields) <= set(cleaned) | {
        f["key"] for f in definition.fields if not (f.get("validate") or {}).get("required")}


@pytest.mark.parametrize("form_id", form_ids())
def test_read_only_rendering_has_no_inputs(app, form_id):
    definition = load_form(form_id)
    with app.test_request_context():
        fields = build_fields(definition.schema["components"], answers(form_id), {})
        html = render_template_string(RENDER, fields=fields, ro=True)
    assert "<input" not in html and "<select" not in html and "<textarea" not in html


def test_errors_and_values_are_shown_in_place(app):
    definition = load_form("audit").schema
    with app.test_request_context():
        fields = build_fields(definition["components"], {"audit_1": "3"},
                              {"audit_2": ["Feltet skal udfyldes."]})
        html = render_template_string(RENDER, fields=fields, ro=False)
    block = html.split('data-field="audit_2"')[1].split('data-field="audit_3"')[0]
    assert "Feltet skal udfyldes." in block and 'aria-invalid="true"' in block
    assert 'value="3" checked' in html.split('data-field="audit_1"')[1].split('data-field="audit_2"')[0]


def test_posted_extras_and_computed_keys_are_ignored():
    definition = load_form("audit").schema
    raw = raw_from_post(definition, MultiDict([("audit_1", "2"), ("audit_score", "40"),
                                               ("is_admin", "1")]))
    assert "audit_score" not in raw and "is_admin" not in raw and raw["audit_1"] == "2"


def test_markdown_escapes_raw_html():
    html = str(markdown("**fed** <script>alert(1)</script>"))
    assert "<strong>fed</strong>" in html and "<script>" not in html


def test_unknown_errors_are_kept():
    definition = load_form("audit").schema
    assert unknown_errors(definition, {"audit_1": ["x"], "_form": ["y"]}) == {"_form": ["y"]}
