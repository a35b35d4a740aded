"""Timestamps from the database (days since 1970, UTC) moved onto the Danish calendar."""
from datetime import UTC, datetime, timedelta
from math import floor

from engine.clock import LOCAL_TZ

_OFFSET_OF_HOUR: dict[int, float] = {}  # UTC hour since 1970 → Danish UTC offset in days


def local_days(days):
    """An epoch-days float of a UTC timestamp moved onto the Danish clock (None stays None).

    floor() of the result is the Danish calendar day; the offset (1 or 2 hours) is looked up
    once per hour of the timeline.
    """
    if days is None:
        return None
    hour = floor(days * 24)
    offset = _OFFSET_OF_HOUR.get(hour)
    if offset is None:
        moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(hours=hour)
        offset = _OFFSET_OF_HOUR[hour] = \
            moment.astimezone(LOCAL_TZ).utcoffset().total_seconds() / 86400
    return round(days + offset, 6)  # julianday() floats carry ~1e-10 day of noise


def local_month(utc_hour: int) -> str:
    """'YYYY-MM' of the Danish month an hour (counted from 1970-01-01 00:00 UTC) lies in."""
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(hours=utc_hour)
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m")
