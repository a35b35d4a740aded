"""Time helpers for the web layer: the database may hand back naive UTC datetimes."""
from datetime import date, datetime, timezone

from engine import clock


def aware(value):
    """A timezone-aware datetime (naive values are UTC, as the engine stores them)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    return aware(datetime.fromisoformat(str(value)))


def is_overdue(due, now=None) -> bool:
    """True when a due date/datetime lies before now."""
    if due in (None, ""):
        return False
    now = now or clock.utcnow()
    if isinstance(due, date) and not isinstance(due, datetime):
        return due < now.date()
    return aware(due) < now
