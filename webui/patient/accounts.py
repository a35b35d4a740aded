"""Activation codes, patient accounts and the password + TOTP check.

The code is shown once to the tovholder, who hands it over in person; only its SHA-256 is
stored (the code has ~60 random bits and attempts are throttled, so a fast hash is enough).
"""
import re
import secrets
from datetime import UTC, datetime, timedelta

import pyotp
from sqlalchemy import select, update

from webui.extensions import db
from webui.passwords import check_password, hash_password, spend_equal_work
from webui.patient.models import ActivationCode, PatientAccount
from webui.patient.sessions import token_hash

CODE_VALID = timedelta(hours=72)
# no 0/O, 1/I/L: the code is read aloud or copied from paper
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
USERNAME = re.compile(r"^[a-z0-9._-]{4,40}$")
MIN_PASSWORD = 10
ISSUER = "Forløb"


class ActivationError(ValueError):
    """An activation that cannot go ahead; the message says why (in Danish, for the patient)."""


def _now():
    return datetime.now(UTC)


def _aware(value):
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


def normalise_code(code: str) -> str:
    """Upper-case the code and drop spaces and dashes, as people type them differently."""
    return re.sub(r"[\s-]", "", (code or "").upper())


def new_code(patient_id: int, actor: str, role: str = "patient") -> tuple[ActivationCode, str]:
    """Create an activation code; return the row and the code in clear (shown once, never stored)."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(12))
    now = _now()
    row = ActivationCode(patient_id=patient_id, code_hash=token_hash(raw), role=role,
                         created_by=actor, created_at=now, expires_at=now + CODE_VALID)
    db.session.add(row)
    db.session.flush()
    return row, "-".join(raw[i:i + 4] for i in range(0, 12, 4))


def find_code(code: str) -> ActivationCode:
    """The usable activation row for a typed code; raise ActivationError when unknown, used or old."""
    row = db.session.scalar(select(ActivationCode).where(
        ActivationCode.code_hash == token_hash(normalise_code(code))))
    if row is None:
        raise ActivationError("Koden findes ikke. Tjek at du har skrevet den rigtigt.")
    if row.used_at is not None:
        raise ActivationError("Koden er allerede brugt. Bed din tovholder om en ny kode.")
    if _aware(row.expires_at) < _now():
        raise ActivationError("Koden er udløbet (den gælder i 72 timer). Bed din tovholder om en ny.")
    return row


def check_new_login(username: str, password: str) -> None:
    """Raise ActivationError when the chosen username or password is not acceptable."""
    if not USERNAME.match(username):
        raise ActivationError("Brugernavnet skal være 4-40 tegn: små bogstaver, tal, punktum eller bindestreg.")
    if len(password) < MIN_PASSWORD:
        raise ActivationError(f"Adgangskoden skal være mindst {MIN_PASSWORD} tegn.")
    if db.session.scalar(select(PatientAccount.id).where(PatientAccount.username == username)):
        raise ActivationError("Brugernavnet er taget. Vælg et andet.")


def totp_step_ok(secret: str, code: str, last_step: int) -> int | None:
    """The accepted time step for a TOTP code (±1 step of drift), or None; never one already used."""
    code = re.sub(r"\s", "", code or "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(_now().timestamp()) // totp.interval
    for step in (now_step, now_step - 1, now_step + 1):
        if step > last_step and secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def complete_activation(activation_id: int, username: str, password: str, secret: str,
                        totp_code: str) -> PatientAccount:
    """Create a password + TOTP account and spend the code."""
    check_new_login(username, password)
    step = totp_step_ok(secret, totp_code, 0)
    if step is None:
        raise ActivationError("Koden fra din app passer ikke. Prøv igen med en ny kode.")
    return _spend_and_create(activation_id, username, hash_password(password), secret, step)


def complete_passkey_activation(activation_id: int, username: str) -> PatientAccount:
    """Create a passkey-only account (no usable password or TOTP) and spend the code; the
    caller registers the passkey in the same transaction."""
    check_new_login(username, "x" * MIN_PASSWORD)
    unusable = hash_password(secrets.token_urlsafe(32))
    return _spend_and_create(activation_id, username, unusable, pyotp.random_base32(), 2**31 - 1)


def _spend_and_create(activation_id, username, password_hash, secret, step) -> PatientAccount:
    """Spend the code with a conditional update (single use, even when two tries race) and
    create the account of the code's patient and role."""
    row = db.session.get(ActivationCode, activation_id)
    if row is None:
        raise ActivationError("Aktiveringen er ikke startet. Skriv koden igen.")
    now = _now()
    spent = db.session.execute(update(ActivationCode).where(
        ActivationCode.id == row.id, ActivationCode.used_at.is_(None),
        ActivationCode.expires_at >= now).values(used_at=now)
        .execution_options(synchronize_session=False))
    if spent.rowcount != 1:
        raise ActivationError("Koden er allerede brugt eller udløbet. Bed din tovholder om en ny.")
    account = PatientAccount(patient_id=row.patient_id, role=row.role, username=username,
                             password_hash=password_hash, totp_secret=secret,
                             totp_last_step=step, created_at=now)
    db.session.add(account)
    db.session.flush()
    row.account_id = account.id
    return account


def spend_unused(activation_id: int) -> None:
    """Make an unused activation code worthless (its consent was revoked before use)."""
    db.session.execute(update(ActivationCode).where(
        ActivationCode.id == activation_id, ActivationCode.used_at.is_(None))
        .values(used_at=_now()).execution_options(synchronize_session=False))


def authenticate(username: str, password: str, totp_code: str) -> PatientAccount | None:
    """The account when password and a fresh TOTP code both match, else None (even timing)."""
    account = db.session.scalar(select(PatientAccount).where(PatientAccount.username == username))
    if account is None:
        spend_equal_work(password)
        return None
    if not (account.active and check_password(account.password_hash, password)):
        return None
    step = totp_step_ok(account.totp_secret, totp_code, account.totp_last_step)
    if step is None:
        return None
    account.totp_last_step = step
    return account


def provisioning_uri(secret: str, username: str) -> str:
    """The otpauth:// link an authenticator app reads (as text or QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)
