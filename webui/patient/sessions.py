"""Patient login sessions: their own cookie key, their own table and shorter time limits.

A patient is never a Flask-Login user: staff decorators see an anonymous visitor and send
them to the staff login, and staff rules (areas, organisations) never apply to a patient.
"""
import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from flask import current_app, g, session
from sqlalchemy import select

from webui.extensions import db
from webui.patient.models import PatientAccount, PatientSession, RelativeConsent

TOKEN_KEY = "psid"  # noqa: S105  (the session key's name, not a secret)
TOUCH_EVERY = timedelta(seconds=30)


def token_hash(token: str) -> str:
    """The stored form of a random token (session token or activation code)."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _aware(value):
    """SQLite hands back naive UTC datetimes; make them aware."""
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


def _limits():
    """(idle, absolute) limits of a patient session: shorter than staff, shared phones exist."""
    cfg = current_app.config
    return (timedelta(minutes=cfg.get("PATIENT_IDLE_MINUTES", 15)),
            timedelta(hours=cfg.get("PATIENT_MAX_HOURS", 4)))


def fresh_session():
    """A clean cookie (no fixation, no staff login left behind), keeping only the language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def begin(account: PatientAccount) -> None:
    """Start a server-side session for the account and put its token in a fresh cookie."""
    fresh_session()
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    db.session.add(PatientSession(token_hash=token_hash(token), account_id=account.id,
                                  created_at=now, last_seen_at=now))
    session[TOKEN_KEY] = token
    session.permanent = True


def _row():
    token = session.get(TOKEN_KEY)
    if not isinstance(token, str) or not token:
        return None
    return db.session.scalar(select(PatientSession).where(
        PatientSession.token_hash == token_hash(token)))


def current_account():
    """The logged-in patient account, or None (also None once idle or too old)."""
    if "patient_account" in g:
        return g.patient_account
    account = None
    row = _row()
    if row is not None and row.ended_at is None:
        now = datetime.now(UTC)
        idle, absolute = _limits()
        if now - _aware(row.last_seen_at) > idle or now - _aware(row.created_at) > absolute:
            row.ended_at = now
            db.session.commit()
        else:
            if now - _aware(row.last_seen_at) > TOUCH_EVERY:
                row.last_seen_at = now
                db.session.commit()
            account = db.session.get(PatientAccount, row.account_id)
            if account is not None and not account.active:
                account = None
            if account is not None and account.role == "relative":
                # a relative's access lives only as long as the patient's consent
                consent = db.session.scalar(select(RelativeConsent).where(
                    RelativeConsent.account_id == account.id, RelativeConsent.revoked_at.is_(None)))
                g.relative_consent = consent
                account = account if consent is not None else None
    g.patient_account = account
    return account


def end() -> None:
    """End the cookie's session (logout) and clear the cookie."""
    row = _row()
    if row is not None and row.ended_at is None:
        row.ended_at = datetime.now(UTC)
        db.session.commit()
    fresh_session()
