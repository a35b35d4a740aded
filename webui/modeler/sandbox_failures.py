"""Sandbox failures per version and element, for the versions page (`_sandbox_failures.html`)."""
from engine.modeling import counts_by_version
from webui.extensions import db


def sandbox_failures(versions):
    """[(version_id, element, limit, count, last_at)] for the listed versions, newest first."""
    counts = counts_by_version(db.session, [v.id for v in versions])
    return [(v.id, *row) for v in versions for row in counts.get(v.id, [])]


def template_names():
    """The names the blueprint's templates get (one context processor line in the blueprint)."""
    return {"sandbox_failures": sandbox_failures}
