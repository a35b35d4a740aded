"""Rate limits of the API, counted in the audit trail so every worker process sees them.

Failed authentication is limited per address first: a token guesser or a broken client gets
429 with Retry-After, and from then on costs no audit row either (200 bad calls used to write
200 rows). A known client is limited per client, over all its addresses.
"""
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from engine.clock import utcnow
from engine.models import AuditEntry
from webui.extensions import db

DEFAULTS = {
    "API_WINDOW_S": 60,
    "API_FAILED_AUTH_PER_ADDRESS": 10,  # failed authentications per address and window
    "API_CALLS_PER_CLIENT": 300,        # calls per client and window (5 a second on average)
}
CALL_ACTIONS = ("api_event", "api_event_replay")


def _setting(name):
    """A limit from the app config, else the default."""
    return int(current_app.config.get(name, DEFAULTS[name]))


def _enabled():
    """True unless RATELIMIT_ENABLED is set to False (as the tests' default config does)."""
    return current_app.config.get("RATELIMIT_ENABLED", True)


def _over(limit, *conditions):
    """Seconds until the oldest counted row leaves the window, when `limit` is reached; else 0."""
    window = timedelta(seconds=_setting("API_WINDOW_S"))
    since = utcnow() - window
    count, oldest = db.session.execute(
        select(func.count(), func.min(AuditEntry.at)).where(AuditEntry.at >= since, *conditions)
    ).one()
    if count < limit:
        return 0
    if oldest is not None and oldest.tzinfo is None:  # SQLite gives naive UTC back
        oldest = oldest.replace(tzinfo=since.tzinfo)
    left = (oldest + window - utcnow()).total_seconds() if oldest else window.total_seconds()
    return max(1, int(left) + 1)


def failed_auth_wait(address):
    """Seconds this address must wait before its next unauthenticated call, else 0."""
    if not _enabled():
        return 0
    return _over(_setting("API_FAILED_AUTH_PER_ADDRESS"), AuditEntry.action == "api_denied",
                 AuditEntry.source == (address or "")[:64])


def client_wait(actor):
    """Seconds this client must wait before its next call, else 0."""
    if not _enabled():
        return 0
    return _over(_setting("API_CALLS_PER_CLIENT"), AuditEntry.actor == actor,
                 AuditEntry.action.in_(CALL_ACTIONS))
