"""Process owners: pathway versions, review (four eyes), scenarios, differences and the editor.

Every change goes through the engine's proposal path (`engine.definitions.proposals`): validated like the
files deployed at start-up, checked by the scenarios on a throw-away database, and made current
only when a second process owner approves it.
"""
from flask import Blueprint, g

from engine import modeling
from webui.modeler.sandbox_failures import template_names

bp = Blueprint("modeler", __name__, url_prefix="/modeler", template_folder="templates")
bp.context_processor(template_names)


@bp.before_request
def _owner_lane():
    """Everything the modeler evaluates (live checks, validation, scenarios, dry runs) uses the
    owner lane's sandbox workers, so process owners never take a clinician's capacity."""
    g.sandbox_lane = modeling.enter_lane("owner")


@bp.teardown_request
def _leave_owner_lane(exc):
    token = g.pop("sandbox_lane", None)
    if token is not None:
        try:
            modeling.leave_lane(token)
        except ValueError:  # set in another context (cannot happen with sync workers): harmless
            pass

# The modules register their routes on `bp`; imported after it exists.
from webui.modeler import (  # noqa: E402,F401
    api,
    editing,
    expressions,
    migrations,
    pages,
    preview,
    rebasing,
    validation_api,
)
