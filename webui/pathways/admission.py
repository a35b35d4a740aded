"""Whether a referred patient's group is phased in yet in the home region, and from when."""
from datetime import date

from engine.errors import EngineError
from engine.service import pathway_data
from webui.common.timeutil import local_today


def phase_in(session, pathway, today: date | None = None) -> dict | None:
    """{"date", "open"} from the pathway's phase-in decision, or None when it is not known."""
    if pathway.status != "active":
        return None
    try:
        value = pathway_data(session, pathway.id).get("phase_in_date")
        opens = date.fromisoformat(str(value)[:10])
    except (EngineError, TypeError, ValueError):
        return None
    return {"date": opens, "open": opens <= (today or local_today())}
