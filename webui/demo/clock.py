"""The demo's movable clock: one offset in the database that every process applies.

`flask demo advance --days N` stores the offset; the web process reads it before each
request and the timer worker before each sweep, so both see the same "today" and a newcomer
can watch a guarantee warning, a reassessment or a phase-in date arrive.
"""
from datetime import timedelta

from flask import current_app

from engine import clock
from engine.service import tick
from webui.extensions import db
from webui.models import AppSetting

KEY = "demo_clock_offset_seconds"
MAX_DAYS = 730


class NotDemoMode(RuntimeError):
    """The command changes time or data and is only allowed in demo mode."""


def require_demo_mode() -> None:
    """Raise NotDemoMode unless the app runs as a demo (FORLOB_DEMO=1)."""
    if not current_app.config.get("DEMO_MODE"):
        raise NotDemoMode("only allowed in demo mode (FORLOB_DEMO=1, as scripts/run.sh sets it)")


def stored_offset() -> timedelta:
    """The offset kept in the database (zero when none)."""
    row = db.session.get(AppSetting, KEY)
    try:
        return timedelta(seconds=float(row.value)) if row is not None else timedelta(0)
    except ValueError:
        return timedelta(0)


def apply() -> None:
    """Set this process's engine clock from the stored offset (demo mode only)."""
    if current_app.config.get("DEMO_MODE"):
        clock.set_offset(stored_offset())


def store(offset: timedelta) -> None:
    """Keep a new offset for every process and apply it here (caller commits)."""
    row = db.session.get(AppSetting, KEY) or AppSetting(key=KEY)
    row.value = str(offset.total_seconds())
    db.session.add(row)
    clock.set_offset(offset)


def advance(days: int, actor: str = "demo") -> int:
    """Move the clock forward a day at a time, firing the timers due each day; return fired."""
    require_demo_mode()
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_DAYS}")
    fired = 0
    for _ in range(days):
        store(stored_offset() + timedelta(days=1))
        db.session.commit()
        # a timer that fires can start another already due: sweep until the day is quiet
        for _sweep in range(100):
            count = tick(db.session, limit=500, actor=actor)
            db.session.commit()
            fired += count
            if not count:
                break
    return fired


def register(app) -> None:
    """In demo mode, apply the stored offset before every request."""
    if app.config.get("DEMO_MODE"):
        app.before_request(apply)
