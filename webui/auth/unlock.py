"""One-time unlock links: the way in from a fresh browser that a stranger cannot block.

Back-off per username (throttle.py) means a stranger who keeps guessing a username keeps its
owner waiting on every browser without the device cookie: a new PC, a private window. An
administrator hands the user a one-time link (Administration → Brugere, or
``flask users unlock-link``). The link is not a password: it only replaces the shared back-off
with a budget of its own, so the user types their password without waiting. It is random
(256 bits; only its SHA-256 is stored), lives 24 hours, is spent by one successful login or
MAX_FAILURES wrong passwords, and a new link revokes the user's older ones. Success leaves the
device cookie, so that browser is trusted from then on. Invalid links are counted per address
in the audit trail and refused with 429 when they pile up. Every step is audited.
"""
import hashlib
import secrets
from datetime import timedelta

from flask import current_app, request
from sqlalchemy import func, select, update

from engine.audit import record
from engine.models import AuditEntry
from webui.common.timeutil import aware
from webui.extensions import db
from webui.models import UnlockLink, User, utcnow

DEFAULTS = {
    "UNLOCK_LINK_HOURS": 24,
    "UNLOCK_MAX_FAILURES": 5,       # wrong passwords through one link before it is spent
    "UNLOCK_LINKS_PER_DAY": 5,      # links per user and day: a link is a manual, rare thing
    "UNLOCK_BAD_PER_ADDRESS": 10,   # invalid links per address in 15 minutes before 429
}
BAD_WINDOW = timedelta(minutes=15)


def setting(name) -> int:
    """An unlock setting from the app config, else the default."""
    return int(current_app.config.get(name, DEFAULTS[name]))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


class TooManyLinks(Exception):
    """The user already had UNLOCK_LINKS_PER_DAY links in the last day."""


def issue(user: User, actor: str, source: str = "") -> str:
    """A new link token for the user (older live links revoked); audited as unlock_link_issued."""
    now = utcnow()
    recent = db.session.scalar(select(func.count()).select_from(UnlockLink).where(
        UnlockLink.user_id == user.id, UnlockLink.created_at >= now - timedelta(days=1)))
    if recent >= setting("UNLOCK_LINKS_PER_DAY"):
        raise TooManyLinks(user.username)
    # one live link per user: handing out a new one (say, the first went astray) kills the old
    db.session.execute(update(UnlockLink).where(UnlockLink.user_id == user.id,
                                                UnlockLink.used_at.is_(None)).values(used_at=now))
    token = secrets.token_urlsafe(32)
    db.session.add(UnlockLink(user_id=user.id, token_hash=_digest(token), created_by=actor,
                              created_at=now,
                              expires_at=now + timedelta(hours=setting("UNLOCK_LINK_HOURS"))))
    record(db.session, actor, "unlock_link_issued", detail=f"user={user.username}", source=source)
    db.session.commit()
    return token


def live_link(token: str) -> UnlockLink | None:
    """The unspent, unexpired link with this token, else None."""
    if not token or len(token) > 100:
        return None
    link = db.session.scalar(select(UnlockLink).where(UnlockLink.token_hash == _digest(token)))
    if link is None or link.used_at is not None or aware(link.expires_at) <= utcnow():
        return None
    return link


def bad_link_wait(source: str) -> int:
    """Seconds this address must wait after too many invalid links, else 0."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return 0
    since = utcnow() - BAD_WINDOW
    count, oldest = db.session.execute(select(func.count(), func.min(AuditEntry.at)).where(
        AuditEntry.action == "unlock_refused", AuditEntry.source == (source or "")[:64],
        AuditEntry.at >= since)).one()
    if count < setting("UNLOCK_BAD_PER_ADDRESS") or oldest is None:
        return 0
    return max(1, int((aware(oldest) + BAD_WINDOW - utcnow()).total_seconds()) + 1)


def refuse(source: str, reason: str) -> None:
    """Audit an invalid or expired link (counted per address by bad_link_wait)."""
    record(db.session, "-", "unlock_refused", detail=reason, source=(source or "")[:64])
    db.session.commit()


def take_attempt(link_id: int) -> bool:
    """Count one password attempt against the link, atomically; False when its budget is gone.

    One UPDATE with the condition in it: parallel posts through the same link cannot get more
    than MAX_FAILURES checks between them.
    """
    taken = db.session.execute(update(UnlockLink).where(
        UnlockLink.id == link_id, UnlockLink.used_at.is_(None),
        UnlockLink.failures < setting("UNLOCK_MAX_FAILURES")).values(
        failures=UnlockLink.failures + 1)).rowcount
    db.session.commit()
    return bool(taken)


def spend(link_id: int, succeeded: bool) -> None:
    """After the check: a good password spends the link (its attempt is given back); a bad
    one that used the last attempt spends it too."""
    link = db.session.get(UnlockLink, link_id)
    if link is None:
        return
    if succeeded:
        link.failures = max(0, link.failures - 1)
        link.used_at = utcnow()
    elif link.failures >= setting("UNLOCK_MAX_FAILURES"):
        link.used_at = utcnow()
    db.session.commit()


def source_address() -> str:
    """The client address as throttling sees it."""
    return (request.remote_addr or "")[:64]
