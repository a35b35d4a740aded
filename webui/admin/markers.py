"""Administrators: the pathway markers of their organisation's pathways, on a page and as CSV."""
from datetime import date, timedelta

from flask import Response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from webui.access import require_area
from webui.admin import bp
from webui.audit import audit
from webui.common.timeutil import local_midnight_utc
from webui.dashboards.spreadsheet import csv_text
from webui.extensions import db
from webui.markers.export import CSV_HEADER, csv_rows, marker_query


def _period():
    """(since, until, errors) from ?fra=&til= (Danish days; til is inclusive)."""
    since = until = None
    errors = []
    for name in ("fra", "til"):
        text = request.args.get(name, "").strip()
        if not text:
            continue
        try:
            day = date.fromisoformat(text)
        except ValueError:
            errors.append(_("%(name)s skal være en dato (ÅÅÅÅ-MM-DD).", name=name))
            continue
        if name == "fra":
            since = local_midnight_utc(day)
        else:
            until = local_midnight_utc(day + timedelta(days=1))
    return since, until, errors


@bp.get("/markoerer")
@require_area("admin")
def markers():
    """How many of each measurement point the organisation's pathways have, with the download."""
    since, until, errors = _period()
    counts = []
    if not errors:
        inner = marker_query(current_user.organisation_code, since, until).subquery()
        counts = db.session.execute(
            select(inner.c.point, inner.c.code, inner.c.display, func.count())
            .group_by(inner.c.point, inner.c.code, inner.c.display).order_by(inner.c.code)).all()
    return render_template("admin/markers.html", counts=counts, errors=errors,
                           fra=request.args.get("fra", ""), til=request.args.get("til", "")), (400 if errors else 200)


@bp.get("/markoerer.csv")
@require_area("admin")
def markers_csv():
    """Every marker of the organisation's pathways in the period, one row each (no name or CPR)."""
    since, until, errors = _period()
    if errors:
        return Response("\n".join(errors) + "\n", status=400, mimetype="text/plain")
    rows = csv_rows(db.session, current_user.organisation_code, since, until)
    audit("export_markers", detail=f"org={current_user.organisation_code} fra={request.args.get('fra', '')} "
                                   f"til={request.args.get('til', '')} rows={len(rows)}")
    db.session.commit()
    return Response(csv_text(CSV_HEADER, rows), mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="forlob-markoerer.csv"', "Cache-Control": "no-store"})
