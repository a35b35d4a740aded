"""Passkey routes of the patient area: activation with a passkey, and login with one."""
from flask import jsonify, request, session, url_for

from webui.extensions import db
from webui.patient import bp, consents, passkeys, patient_audit, sessions
from webui.patient.accounts import ActivationError, check_new_login, complete_passkey_activation
from webui.patient.auth_views import PENDING_KEY, _failed, _throttled


def _payload() -> dict:
    """The request's JSON object (anything else counts as empty)."""
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}


def _refused(message: str, status: int = 400):
    return jsonify(error=message), status


@bp.post("/aktiver/passkey/valg")
def activate_passkey_options():
    """Registration options for the username the patient chose (activation step 2)."""
    pending = session.get(PENDING_KEY)
    payload = _payload()
    username = str(payload.get("username", "")).strip().lower()[:80]
    if not isinstance(pending, dict):
        return _refused("Skriv aktiveringskoden igen.", 409)
    try:
        check_new_login(username, "x" * 10)
    except ActivationError as exc:
        return _refused(str(exc))
    return passkeys.registration_options(username), 200, {"Content-Type": "application/json"}


@bp.post("/aktiver/passkey")
def activate_passkey():
    """Create the account with the verified passkey, spend the code and log the patient in."""
    pending = session.get(PENDING_KEY)
    payload = _payload()
    if not isinstance(pending, dict):
        return _refused("Skriv aktiveringskoden igen.", 409)
    username = str(payload.get("username", "")).strip().lower()[:80]
    try:
        account = complete_passkey_activation(pending["id"], username)
        if account.role == "relative":
            consents.link_account(pending["id"], account)
        credential = payload.get("credential")
        passkeys.register(account, credential if isinstance(credential, dict) else {})
    except (ActivationError, passkeys.PasskeyError) as exc:
        db.session.rollback()
        return _refused(str(exc))
    patient_audit(account, "patient.activated", detail=f"activation={pending['id']} passkey")
    sessions.begin(account)
    db.session.commit()
    return jsonify(redirect=url_for("patient.home"))


@bp.post("/login/passkey/valg")
def login_passkey_options():
    """Authentication options (any passkey of this site may answer)."""
    return passkeys.authentication_options(), 200, {"Content-Type": "application/json"}


@bp.post("/login/passkey")
def login_passkey():
    """Log in with a passkey assertion."""
    refused = _throttled("mig:passkey")
    if refused:
        return _refused("For mange mislykkede forsøg. Vent lidt.", 429)
    try:
        account = passkeys.authenticate(_payload())
    except passkeys.PasskeyError as exc:
        db.session.rollback()
        _failed("mig:passkey", "patient.login_failed")
        return _refused(str(exc), 401)
    sessions.begin(account)
    patient_audit(account, "patient.login", detail="passkey")
    db.session.commit()
    return jsonify(redirect=url_for("patient.home"))
