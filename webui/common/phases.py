"""Stage and lane names as shown to staff (contracts §1 and §2)."""
from flask_babel import lazy_gettext as _l

# Clinical names stay Danish in every language.
STAGE_LABELS = {
    "henvisning": "Henvisning og visitation",
    "opstart": "Opstart",
    "ustabil": "Ustabil",
    "stabil": "Stabil",
    "overgang": "Overgang/afslutning",
    "indlagt": "Indlæggelse",
}

LANE_LABELS = {
    "psykiatri": _l("Psykiatri"),
    "kommune": _l("Kommune"),
    "tovholder": _l("Tovholder"),
}


def stage_label(stage) -> str:
    """The display name of a stage id."""
    return STAGE_LABELS.get(stage or "", stage or "–")


def lane_label(lane) -> str:
    """The display name of a lane."""
    return str(LANE_LABELS.get(lane or "", lane or "–"))
