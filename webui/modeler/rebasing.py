"""Stale base, resolved (issue 22): say what the newer version is, and move changes onto it.

When a proposal's base is no longer the newest, the owner learns whether the newer version is
current (move the changes onto it) or only proposed (wait until it is approved or rejected, or
propose on top of it now: then it must be approved first). POST /modeler/api/rebase lays the
editor's changes onto the chosen version, merging files both changed line by line.
"""
from flask import jsonify, request
from flask_babel import gettext as _

from engine.errors import MergeConflict, NotFound
from engine.modeling import get_version, rebase_changes
from webui.access import require_area
from webui.extensions import db
from webui.i18n import localise
from webui.modeler import bp


def stale_message(newest, files):
    """The Danish advice for a proposal that collides with `newest` (current or proposed)."""
    if newest.status == "proposed":
        return _("Version %(id)s (foreslået af %(by)s) ændrer også %(files)s og venter på godkendelse. "
                 "Vent, til den er godkendt eller afvist, og flyt så dine ændringer over på den "
                 "nyeste version. Eller flyt dem over på version %(id)s nu og foreslå dem oven på "
                 "den: så kan din version først godkendes, når version %(id)s er godkendt.",
                 id=newest.id, by=newest.deployed_by, files=files)
    return _("Version %(id)s er blevet aktuel og ændrer også %(files)s. Flyt dine ændringer over på "
             "version %(id)s, og foreslå dem igen.", id=newest.id, files=files)


@bp.post("/api/rebase")
@require_area("modeler")
def api_rebase():
    """The editor's changes to `base_version`, laid onto version `onto`; nothing is stored."""
    body = request.get_json(silent=True)
    base, onto = (body.get("base_version"), body.get("onto")) if isinstance(body, dict) else (None, None)
    files = body.get("files") if isinstance(body, dict) else None
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (base, onto)) \
            or not isinstance(files, dict) or not all(
                isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in files.items()):
        return jsonify(error="bad_request", message=_("Angiv base_version, onto (tal) og files.")), 400
    try:
        changes = rebase_changes(db.session, base, files, onto)
        version = get_version(db.session, onto)
    except NotFound:
        return jsonify(error="not_found", message=_("Versionen findes ikke.")), 404
    except MergeConflict as exc:
        return jsonify(error="merge_conflict", message=localise(exc.args[0]), conflicts=[
            {"file": f, "line": line, "ours": ours[:500], "theirs": theirs[:500]}
            for f, line, ours, theirs in exc.conflicts]), 409
    note = _("Version %(id)s er kun foreslået: din version kan først godkendes, når version %(id)s er "
             "godkendt. Afvises den, skal du flytte dine ændringer igen.", id=onto) \
        if version.status == "proposed" else None
    return jsonify(base_version=onto, status=version.status, files=changes, note=note)
