"""Date helpers available to every sandboxed expression (contracts §2)."""
from datetime import date, datetime, timedelta

from engine import clock


def date_of(value):
    """A date from an ISO date/datetime string, a date or a datetime."""
    if isinstance(value, datetime):
        return value.astimezone(clock.LOCAL_TZ).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 10:
            return date.fromisoformat(text)
        return date_of(datetime.fromisoformat(text))
    raise ValueError(f"not a date: {value!r}")


def _shift(value, delta):
    """Add a timedelta, keeping the kind of the input (date string stays date string)."""
    if isinstance(value, str) and len(value.strip()) > 10:
        return (datetime.fromisoformat(value.strip()) + delta).isoformat()
    if isinstance(value, datetime):
        return (value + delta).isoformat()
    return (date_of(value) + delta).isoformat()


def add_days(value, days):
    """The date (ISO) `days` days after `value`."""
    return _shift(value, timedelta(days=days))


def add_weeks(value, weeks):
    """The date (ISO) `weeks` weeks after `value`."""
    return _shift(value, timedelta(weeks=weeks))


def days_between(start, end):
    """Whole days from `start` to `end` (negative when end is earlier)."""
    return (date_of(end) - date_of(start)).days


def iso(value):
    """ISO text of a date or datetime (strings pass through)."""
    return value if isinstance(value, str) else value.isoformat()


def today():
    """Today's date (ISO) by the engine clock, in Danish time."""
    return clock.today().isoformat()


def now():
    """The engine clock as an ISO datetime with offset."""
    return clock.now().isoformat()


HELPERS = {
    "today": today, "now": now, "date_of": date_of, "add_days": add_days,
    "add_weeks": add_weeks, "days_between": days_between, "iso": iso,
}
