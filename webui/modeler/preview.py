"""The form editor's preview: a form-js schema rendered by the task page's own macros."""
from flask import jsonify, render_template, request
from flask_babel import gettext as _

from forms.registry import check_schema
from webui.access import require_area
from webui.i18n import localise
from webui.modeler import bp
from webui.pathways.formview import build_fields, guide_sections, shown_elsewhere


@bp.post("/api/form-preview")
@require_area("modeler")
def form_preview():
    """HTML of the form and its guidance as a clinician sees it; nothing is stored."""
    payload = request.get_json(silent=True)
    schema = payload.get("schema") if isinstance(payload, dict) else None
    if not isinstance(schema, dict) or not isinstance(schema.get("components"), list):
        return jsonify(error="bad_request", message=_("Formularen kan ikke vises.")), 400
    problems = [localise(p) for p in check_schema(str(schema.get("id")), schema)]
    meta = schema.get("x-forlob") if isinstance(schema.get("x-forlob"), dict) else {}
    html = render_template(
        "modeler/_form_preview.html", meta=meta, problems=problems,
        fields=build_fields(schema["components"], {}, {}, prefix="preview",
                            skip_texts=shown_elsewhere(schema)),
        guide=guide_sections(schema))
    return jsonify(html=html, problems=problems)
