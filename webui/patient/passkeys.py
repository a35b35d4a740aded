"""Passkeys (WebAuthn) for patients, with the `webauthn` package: register and authenticate.

Each ceremony's challenge is kept in the server-signed session and removed when used, so an
assertion cannot be replayed; the authenticator's signature counter must also grow.
"""
import secrets

import webauthn
from flask import current_app, request, session
from sqlalchemy import select
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url, options_to_json
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from engine import clock
from webui.extensions import db
from webui.patient.models import PatientAccount, PatientCredential

CHALLENGE_KEY = "passkey_challenge"
RP_NAME = "Forløb"


class PasskeyError(ValueError):
    """A passkey ceremony that failed (Danish message, for the patient)."""


def rp_id() -> str:
    """The relying party id: configured, or the request's host name."""
    return current_app.config.get("PATIENT_WEBAUTHN_RP_ID") or request.host.split(":")[0]


def origin() -> str:
    """The origin the browser must report: configured, or this request's own."""
    return current_app.config.get("PATIENT_WEBAUTHN_ORIGIN") or request.host_url.rstrip("/")


def _take_challenge(kind: str) -> bytes:
    """The challenge of the ceremony in progress, removed from the session (single use)."""
    stored = session.pop(CHALLENGE_KEY, None)
    if not isinstance(stored, dict) or stored.get("kind") != kind:
        raise PasskeyError("Start forfra: siden var for gammel.")
    return base64url_to_bytes(stored["challenge"])


def registration_options(username: str) -> str:
    """Options (JSON) for navigator.credentials.create; the challenge goes in the session."""
    options = webauthn.generate_registration_options(
        rp_id=rp_id(), rp_name=RP_NAME, user_name=username, user_id=secrets.token_bytes(16),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.PREFERRED))
    session[CHALLENGE_KEY] = {"kind": "register", "challenge": bytes_to_base64url(options.challenge)}
    return options_to_json(options)


def register(account: PatientAccount, credential: dict) -> PatientCredential:
    """Verify a new passkey and store it for the account."""
    try:
        verified = webauthn.verify_registration_response(
            credential=credential, expected_challenge=_take_challenge("register"),
            expected_rp_id=rp_id(), expected_origin=origin())
    except (InvalidRegistrationResponse, KeyError, ValueError, TypeError) as exc:
        raise PasskeyError("Adgangsnøglen kunne ikke godkendes.") from exc
    row = PatientCredential(account_id=account.id,
                            credential_id=bytes_to_base64url(verified.credential_id),
                            public_key=bytes_to_base64url(verified.credential_public_key),
                            sign_count=verified.sign_count, created_at=clock.utcnow())
    db.session.add(row)
    db.session.flush()
    return row


def authentication_options() -> str:
    """Options (JSON) for navigator.credentials.get with discoverable credentials."""
    options = webauthn.generate_authentication_options(
        rp_id=rp_id(), user_verification=UserVerificationRequirement.PREFERRED)
    session[CHALLENGE_KEY] = {"kind": "login", "challenge": bytes_to_base64url(options.challenge)}
    return options_to_json(options)


def authenticate(credential: dict) -> PatientAccount:
    """The active account whose passkey signed this challenge; raise PasskeyError otherwise."""
    challenge = _take_challenge("login")
    row = db.session.scalar(select(PatientCredential).where(
        PatientCredential.credential_id == str(credential.get("id", ""))[:512]))
    if row is None:
        raise PasskeyError("Adgangsnøglen kendes ikke.")
    try:
        verified = webauthn.verify_authentication_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp_id(),
            expected_origin=origin(), credential_public_key=base64url_to_bytes(row.public_key),
            credential_current_sign_count=row.sign_count)
    except (InvalidAuthenticationResponse, KeyError, ValueError, TypeError) as exc:
        raise PasskeyError("Adgangsnøglen kunne ikke godkendes.") from exc
    account = db.session.get(PatientAccount, row.account_id)
    if account is None or not account.active:
        raise PasskeyError("Adgangsnøglen kendes ikke.")
    row.sign_count = verified.new_sign_count
    row.last_used_at = clock.utcnow()
    return account
