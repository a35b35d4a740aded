"""Administrators: organisations (reference data) and the treatment units under them."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from webui import organisations
from webui.access import require_area
from webui.admin import bp
from webui.audit import audit
from webui.extensions import db
from webui.models import Organisation


@bp.get("/organisationer")
@require_area("admin")
def organisation_list():
    """Regions, municipalities (with official codes) and treatment units."""
    return render_template("admin/organisations.html", regions=organisations.regions(),
                           municipalities=organisations.municipalities(),
                           units=organisations.units())


@bp.post("/organisationer")
@require_area("admin")
def add_organisation():
    """Add a treatment unit under a region or a municipality."""
    name, parent = request.form.get("name", ""), request.form.get("parent", "")
    try:
        unit = organisations.add_unit(name, parent)
    except ValueError:
        db.session.rollback()
        flash(_("Enheden blev ikke oprettet: angiv et navn (2–200 tegn) og en region eller kommune."),
              "error")
        return redirect(url_for("admin.organisation_list"), code=303)
    audit("add_organisation", detail=f"code={unit.code} parent={unit.parent_code}")
    db.session.commit()
    flash(_("Enheden %(name)s er oprettet.", name=unit.name), "success")
    return redirect(url_for("admin.organisation_list"), code=303)


@bp.post("/organisationer/<code>/aktiv")
@require_area("admin")
def toggle_organisation(code):
    """Deactivate or reactivate a treatment unit (regions and municipalities stay)."""
    unit = db.session.get(Organisation, code[:64])
    if unit is None or unit.kind != "unit":
        flash(_("Kun behandlingsenheder kan deaktiveres."), "error")
        return redirect(url_for("admin.organisation_list"), code=303)
    unit.active = not unit.active
    audit("toggle_organisation", detail=f"code={unit.code} active={unit.active}")
    db.session.commit()
    return redirect(url_for("admin.organisation_list"), code=303)
