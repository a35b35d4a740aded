"""Time helpers for the web layer: storage is UTC, everything shown or entered is Danish time.

The database may hand back naive datetimes (SQLite); those are UTC, as the engine stores them.
A task deadline that is a calendar date is stored as local midnight of that date (in UTC), so
it must be turned back into a *Danish* date before it is shown, or it shows one day early.
"""
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from engine import clock

LOCAL_TZ = ZoneInfo("Europe/Copenhagen")


def aware(value):
    """A timezone-aware datetime (naive values are UTC, as the engine stores them)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return aware(datetime.fromisoformat(str(value)))


def local(value) -> datetime | None:
    """A stored datetime (naive = UTC) in Danish local time."""
    value = aware(value)
    return value.astimezone(LOCAL_TZ) if value is not None else None


def local_date(value) -> date | None:
    """The Danish calendar date of a date, a datetime or ISO text (None when empty)."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return local(value).date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if len(text) == 10:
        return date.fromisoformat(text)
    return local(datetime.fromisoformat(text)).date()


def local_now(now=None) -> datetime:
    """Now (or the given moment) in Danish local time."""
    return clock.or_now(aware(now)).astimezone(LOCAL_TZ)


def local_today(now=None) -> date:
    """Today's date in Denmark."""
    return local_now(now).date()


def local_midnight_utc(day: date) -> datetime:
    """The UTC moment at which a Danish calendar day begins (23:00 or 22:00 UTC the day before)."""
    return datetime.combine(day, time(0, 0), LOCAL_TZ).astimezone(UTC)


def overdue_before(now=None) -> datetime:
    """Deadlines before this moment are overdue: the start of today in Denmark.

    Deadlines are calendar dates (stored as local midnight); a task due on the 8th is on time
    all through the 8th, Danish time.
    """
    return local_midnight_utc(local_today(now))


def is_overdue(due, now=None) -> bool:
    """True when a due date/datetime lies before today (Danish calendar)."""
    if due in (None, ""):
        return False
    if isinstance(due, date) and not isinstance(due, datetime):
        return due < local_today(now)
    return aware(due) < overdue_before(now)
