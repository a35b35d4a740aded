"""The engine's clock: a context-local 'now' that SpiffWorkflow's timers also read.

SpiffWorkflow's timer event definitions call ``datetime.now(timezone.utc)`` directly.
We point that module's ``datetime`` name at a subclass whose ``now`` reads this
context-local clock, so tests and ``tick`` can move time without touching the wall clock.
"""
import contextlib
import contextvars
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Self, overload

from SpiffWorkflow.bpmn.specs.event_definitions import timer

LOCAL_TZ: tzinfo
try:
    from zoneinfo import ZoneInfo
    LOCAL_TZ = ZoneInfo("Europe/Copenhagen")
except Exception:  # pragma: no cover - tz database missing
    LOCAL_TZ = UTC

_NOW: contextvars.ContextVar[datetime | None] = contextvars.ContextVar("forlob_engine_now", default=None)
# Zero except in demo mode, where `flask demo advance` moves every process's clock forward.
_OFFSET = timedelta(0)


def utcnow() -> datetime:
    """The wall clock (plus the demo offset), timezone-aware in UTC."""
    return datetime.now(UTC) + _OFFSET


def set_offset(offset: timedelta) -> None:
    """Move this process's clock by `offset` from the wall clock (demo mode only)."""
    global _OFFSET
    _OFFSET = offset


def offset() -> timedelta:
    """How far this process's clock is ahead of the wall clock."""
    return _OFFSET


@overload
def as_utc(value: datetime) -> datetime: ...


@overload
def as_utc(value: None) -> None: ...


def as_utc(value: datetime | None) -> datetime | None:
    """Return an aware UTC datetime (naive values are taken as UTC, as SQLite returns them)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def or_now(value: datetime | None) -> datetime:
    """A given moment in UTC, or the wall clock's now when none is given."""
    return as_utc(value) if value is not None else utcnow()


def now() -> datetime:
    """The engine clock: the 'now' set by the current step, else the wall clock."""
    value = _NOW.get()
    return value if value is not None else utcnow()


def today() -> date:
    """Today's date in Denmark according to the engine clock."""
    return now().astimezone(LOCAL_TZ).date()


@contextlib.contextmanager
def frozen_at(moment: datetime | None) -> Iterator[datetime | None]:
    """Run a block with the engine clock fixed at `moment` (None: the wall clock)."""
    token = _NOW.set(as_utc(moment) if moment is not None else utcnow())
    try:
        yield _NOW.get()
    finally:
        _NOW.reset(token)


class ClockDatetime(datetime):
    """A datetime whose now() is the engine clock; installed into SpiffWorkflow's timers."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> Self:
        """The engine clock in `tz` (naive local time when tz is None, as datetime.now does)."""
        moment = now()
        result = moment.astimezone(tz) if tz else moment.astimezone().replace(tzinfo=None)
        return cls(result.year, result.month, result.day, result.hour, result.minute,
                        result.second, result.microsecond, result.tzinfo)


def install() -> None:
    """Make SpiffWorkflow's timer definitions read the engine clock (idempotent)."""
    timer.datetime = ClockDatetime
