"""Implementation leads: the phase-in of groups 1–3 and the pathway's quality indicators.

Only aggregates are shown, every count rounded to 5 (rounding.py), never a patient. Every view and download
is audited. Figures come from tables (docs/indicators.md); no workflow is loaded.
"""

from flask import Blueprint, Response, abort, current_app, render_template, request

from engine import clock, service
from engine.errors import NotFound
from webui import organisations
from webui.access import require_area
from webui.audit import audit
from webui.common.timeutil import local_midnight_utc
from webui.dashboards import cells_cache, home_answers, hours, phase_in, quality, tables
from webui.dashboards import filters as flt
from webui.dashboards.spreadsheet import csv_text
from webui.extensions import db
from webui.models import Organisation
from webui.pathways.complexity import TIER_LABELS

bp = Blueprint("dashboards", __name__, url_prefix="/overblik", template_folder="templates")


def _today():
    """Today's date (app config DASHBOARD_TODAY may fix it, for tests and demos)."""
    return current_app.config.get("DASHBOARD_TODAY") or clock.today()


def _dates():
    """{(region, group): date} from the newest deployed phase_in decision ({} if none)."""
    try:
        return service.phase_in_dates(db.session, [o.region for o in organisations.regions()])
    except NotFound:
        return {}


def phase_in_data(filters, today):
    """Everything the phase-in view shows: the table and the curve sum the same rounded cells
    (counted over all pathways and rounded once per request, webui/dashboards/rounding.py)."""
    dates, cells = _dates(), phase_in.rounded()
    return {"rows": tables.phase_in(phase_in.table(filters, dates, today, cells)),
            "chart": phase_in.enrolment(filters, dates, today, cells)}


def quality_data(filters, today):
    """Everything the quality view shows.

    The figures are counted per cell over all pathways and all time, rounded once
    (webui/dashboards/rounding.py), and the filters then select cells: every view, CSV and
    chart is a sum of the same rounded cells.
    """
    everything = flt.Filters()
    # the heavy part (every pathway counted and rounded) is the same for every filter: kept
    # while the data and the day are the same (cells_cache.py)
    pub = cells_cache.cached("quality", today,
                             lambda: tables.Published(quality.compute(everything, today)))
    pub = pub.plus(home_answers.compute(everything, quality.Period(everything), clock.utcnow()))
    keep = _keeper(filters)
    names = {o.code: o.short_name or o.name for o in
             db.session.scalars(db.select(Organisation))}
    trend = tables.trend(pub, keep)
    keys = list(dict.fromkeys((row["key"], row["label"]) for row in trend))
    # overdue = due before today began in Denmark (a task due today is not overdue)
    overdue = quality.overdue(everything, local_midnight_utc(today))
    return {"indicators": tables.indicators(pub, keep), "trend": trend, "trend_keys": keys,
            "phases": tables.phases(pub, keep), "admissions": tables.admissions(pub, keep),
            "experience": tables.experience(pub, keep),
            "overdue": tables.overdue(overdue, keep, names),
            "hours": hours.table(hours.compute(everything), keep, names, TIER_LABELS)}


def _keeper(filters):
    """keep((month, region, municipality, group, tier)) for the cells the filters select
    (remembered per key: the same cells recur in every kind of count)."""
    seen: dict = {}

    def keep(key):
        found = seen.get(key)
        if found is None:
            found = seen[key] = filters.keeps(*key)
        return found
    return keep


def _context(filters, errors):
    """Choices for the filter form."""
    return {"filters": filters, "errors": errors, "regions": organisations.regions(),
            "municipalities": organisations.municipalities(filters.region or None),
            "args": filters.args(), "today": _today(), "tier_labels": TIER_LABELS}


@bp.get("/")
@require_area("dashboards")
def index():
    """Phase-in per region (or municipality) × group, with dates, targets and the curve."""
    filters, errors = flt.parse(request.args)
    audit("view_dashboard", detail=f"view=phase_in {filters.describe()}"[:500])
    db.session.commit()
    return render_template("dashboards/phase_in.html", data=phase_in_data(filters, _today()),
                           **_context(filters, errors)), (400 if errors else 200)


@bp.get("/kvalitet")
@require_area("dashboards")
def quality_view():
    """Quality indicators with their monthly trends, overdue tasks and time per phase."""
    filters, errors = flt.parse(request.args)
    audit("view_dashboard", detail=f"view=quality {filters.describe()}"[:500])
    db.session.commit()
    return render_template("dashboards/quality.html", data=quality_data(filters, _today()),
                           **_context(filters, errors)), (400 if errors else 200)


def _csv_rows(name, filters, today):
    """(header, rows) of one downloadable table."""
    if name in ("indfasning", "tilgang"):
        data = phase_in_data(filters, today)
        if name == "indfasning":
            keys = ["org", "name", "group", "opens", "status", "days", "referred", "waiting",
                    "active", "ended", "expected", "expected_now", "ratio"]
            return keys, [[r[k] for k in keys] for r in data["rows"]]
        chart = data["chart"]
        rows = [[s["group"], label, s["monthly"][i], s["actual"][i],
                 s["target"][i] if s["target"] else ""]
                for s in chart["series"] for i, label in enumerate(chart["labels"])]
        return ["group", "month", "referred", "cumulative", "target"], rows
    data = quality_data(filters, today)
    specs = {"indikatorer": ("indicators", ["key", "label", "numerator", "denominator", "value",
                                            "p90", "unit"]),
             "tendens": ("trend", ["key", "label", "month", "numerator", "denominator", "value"]),
             "faser": ("phases", ["stage", "label", "stays", "median", "p90"]),
             "overskredne": ("overdue", ["org", "name", "lane", "count"]),
             "oplevelse": ("experience", ["key", "label", "answers", "mean"]),
             "kontakttimer": ("hours", ["unit", "name", "tier", "stays", "ended", "planned", "used",
                                        "percent", "over", "under"])}
    if name not in specs:
        abort(404)
    key, columns = specs[name]
    return columns, [[r[c] for c in columns] for r in data[key]]


@bp.get("/csv/<name>.csv")
@require_area("dashboards")
def download(name):
    """One table as CSV, with the filters applied and small counts suppressed."""
    filters, errors = flt.parse(request.args)
    if errors:
        return Response("\n".join(errors) + "\n", status=400, mimetype="text/plain")
    header, rows = _csv_rows(name, filters, _today())
    audit("export_dashboard", detail=f"table={name} {filters.describe()}"[:500])
    db.session.commit()
    # no-store: an export of patient-level counts must not stay in a shared browser's cache
    return Response(csv_text(header, rows), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="forlob-{name}.csv"',
        "Cache-Control": "no-store"})
