"""Shared pieces of the modeler's pages and API: settings, scenario runs, version summaries."""
from flask import current_app
from sqlalchemy import func, select

from engine.modeling import form_id_of
from engine.models import DefinitionEvent, Pathway
from scenarios.runner import run_all
from webui.extensions import db


def four_eyes() -> bool:
    """True when a proposal needs a second process owner's approval (the default)."""
    return bool(current_app.config.get("FOUR_EYES", True))


def run_scenarios(files):
    """The scenario results of a candidate bundle, run on a throw-away database."""
    return run_all(files)


def problems_json(problems):
    """Engine problems (file, element, line, message) as the API's list of objects."""
    return [{"file": f, "element": e, "line": line, "message": m, "source": "engine"}
            for f, e, line, m in problems]


def running_counts():
    """{version id: number of active pathways on it}."""
    return dict(db.session.execute(
        select(Pathway.version_id, func.count()).where(Pathway.status == "active")
        .group_by(Pathway.version_id)).all())


def newer_json(versions):
    """The versions a stale proposal collides with, for the API."""
    return [{"id": v.id, "note": v.note, "by": v.deployed_by,
             "at": v.deployed_at.isoformat() if v.deployed_at else None, "status": v.status}
            for v in versions]


def history(version_id):
    """The events of one version, oldest first."""
    return list(db.session.scalars(select(DefinitionEvent).where(
        DefinitionEvent.version_id == version_id).order_by(DefinitionEvent.id)))


def form_ids(files):
    """The form ids carried by a bundle, sorted."""
    return sorted(f for f in (form_id_of(n) for n in files or {}) if f)
