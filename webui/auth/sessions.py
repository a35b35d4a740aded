"""Server-side login sessions: the cookie holds a random token, the database says if it lives.

A signed cookie alone cannot be revoked: a copy saved before logout would keep working until
it expires. Each login therefore creates a `user_session` row; the cookie carries only a
random token whose SHA-256 is the row's key. Logging out, an idle or absolute timeout, and an
administrator's "end all sessions" mark the row ended, and an ended row never authenticates.
"""
import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from flask import current_app, request, session
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import joinedload

from engine.db import once
from webui.extensions import db
from webui.models import User, UserSession

TOKEN_KEY = "sid"  # noqa: S105  (the session key's name, not a secret)
# last_seen_at is written at most this often, so a busy page does not write on every request.
TOUCH_EVERY = timedelta(seconds=30)


def _hash(token: str) -> str:
    """The stored form of a session token."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def _aware(value):
    """SQLite hands back naive UTC datetimes; make them aware."""
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


def _now():
    return datetime.now(UTC)


def idle_limit() -> timedelta:
    """How long a session may be idle."""
    return current_app.config["PERMANENT_SESSION_LIFETIME"]


def absolute_limit() -> timedelta:
    """How long a session may live at most, however active."""
    return timedelta(hours=current_app.config.get("SESSION_MAX_HOURS", 12))


def begin(user) -> UserSession:
    """Start a server-side session for a user who just logged in; put its token in the cookie."""
    token = secrets.token_urlsafe(32)
    now = _now()
    row = UserSession(token_hash=_hash(token), user_id=user.id, created_at=now,
                      last_seen_at=now, source=(request.remote_addr or "")[:64])
    db.session.add(row)
    db.session.flush()
    session[TOKEN_KEY] = token
    return row


@once
def _current_query():
    """The session row of a token hash with its user and the user's organisation."""
    return (select(UserSession, User).outerjoin(User, User.id == UserSession.user_id)
            .options(joinedload(User.organisation))
            .where(UserSession.token_hash == bindparam("token_hash")))


def _current():
    """The session row named by the cookie's token and its user, or (None, None).

    The user and the user's organisation (every page's header names it) are read in the same
    statement: one round trip instead of three on every request."""
    token = session.get(TOKEN_KEY)
    if not isinstance(token, str) or not token:
        return None, None
    found = db.session.execute(_current_query(), {"token_hash": _hash(token)}).first()
    return (found[0], found[1]) if found is not None else (None, None)


def _current_row():
    """The session row named by the cookie's token, or None."""
    return _current()[0]


def check(user_id: int):
    """('ok', the user) when the cookie's session is live for user_id; else (why not, None)
    with the reason 'missing', 'ended', 'idle' or 'absolute'."""
    row, user = _current()
    if row is None or row.user_id != user_id:
        return "missing", None
    if row.ended_at is not None:
        return "ended", None
    now = _now()
    if now - _aware(row.last_seen_at) > idle_limit():
        end_row(row, "idle")
        return "idle", None
    if now - _aware(row.created_at) > absolute_limit():
        end_row(row, "absolute")
        return "absolute", None
    if now - _aware(row.last_seen_at) > TOUCH_EVERY:
        row.last_seen_at = now
        db.session.commit()
    return "ok", user


def end_row(row: UserSession, reason: str) -> None:
    """Mark one session ended and commit."""
    row.ended_at = _now()
    row.end_reason = reason[:40]
    db.session.commit()


def end_current(reason: str = "logout") -> None:
    """End the session named by the cookie (logout)."""
    row = _current_row()
    if row is not None and row.ended_at is None:
        end_row(row, reason)


def end_all_for(user_id: int, reason: str) -> int:
    """End every live session of a user; return how many were ended (caller commits)."""
    result = db.session.execute(
        update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=_now(), end_reason=reason[:40]))
    return result.rowcount or 0


def live_count(user_id: int) -> int:
    """How many sessions of a user have not been ended (timeouts are noticed on use)."""
    return db.session.scalar(select(func.count()).select_from(UserSession).where(
        UserSession.user_id == user_id, UserSession.ended_at.is_(None)))
