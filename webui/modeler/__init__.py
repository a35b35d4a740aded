"""Process owners: pathway versions, review (four eyes), scenarios, differences and the editor.

Every change goes through the engine's proposal path (`engine.definitions.proposals`): validated like the
files deployed at start-up, checked by the scenarios on a throw-away database, and made current
only when a second process owner approves it.
"""
from flask import Blueprint

from webui.modeler.sandbox_failures import template_names

bp = Blueprint("modeler", __name__, url_prefix="/modeler", template_folder="templates")
bp.context_processor(template_names)

# The modules register their routes on `bp`; imported after it exists.
from webui.modeler import api, editing, expressions, migrations, pages, preview, rebasing  # noqa: E402,F401
