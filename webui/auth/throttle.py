"""Login throttling: failed attempts per username and per IP in a sliding window."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from webui.extensions import db
from webui.models import LoginFailure, utcnow

DEFAULTS = {"LOGIN_MAX_FAILURES": 5, "LOGIN_WINDOW_MINUTES": 15}


def _setting(name):
    """A throttling setting from the app config, else the default."""
    return current_app.config.get(name, DEFAULTS[name])


def _enabled() -> bool:
    """True unless RATELIMIT_ENABLED is set to False."""
    return current_app.config.get("RATELIMIT_ENABLED", True)


def _window_start():
    """The start of the sliding window."""
    return utcnow() - timedelta(minutes=_setting("LOGIN_WINDOW_MINUTES"))


def is_locked(username: str, source: str) -> bool:
    """True when the username or the address has too many recent failures."""
    if not _enabled():
        return False
    since = _window_start()
    limit = _setting("LOGIN_MAX_FAILURES")
    by_user = db.session.scalar(select(func.count()).select_from(LoginFailure).where(
        LoginFailure.username == username, LoginFailure.at >= since))
    by_source = db.session.scalar(select(func.count()).select_from(LoginFailure).where(
        LoginFailure.source == source, LoginFailure.at >= since))
    return by_user >= limit or by_source >= limit


def record_failure(username: str, source: str) -> None:
    """Remember a failed login and drop entries older than the window."""
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < _window_start()))
    db.session.add(LoginFailure(username=username[:80], source=(source or "")[:64]))
    db.session.commit()


def clear_failures(username: str) -> None:
    """Forget a username's failures after a good login (the address keeps its count)."""
    db.session.execute(delete(LoginFailure).where(LoginFailure.username == username))
    db.session.commit()
