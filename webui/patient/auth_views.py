"""Patient activation (one-time code → password + TOTP), login and logout."""
import pyotp
from flask import flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from engine.audit import record
from webui.auth import throttle
from webui.extensions import db
from webui.patient import bp, consents, patient_audit, sessions
from webui.patient.accounts import (
    ActivationError,
    authenticate,
    check_new_login,
    complete_activation,
    find_code,
    provisioning_uri,
)
from webui.security import safe_local_path

PENDING_KEY = "patient_activation"  # session: {"id": activation id, "secret": new TOTP secret}


def _throttled(name: str):
    """A 429 page when this name or address has failed too often, else None."""
    wait = throttle.wait_seconds(name, request.remote_addr or "", False)
    if not wait:
        return None
    flash(_("For mange mislykkede forsøg. Vent %(seconds)s sekunder, og prøv igen.", seconds=wait), "error")
    response = make_response(render_template("patient/message.html"), 429)
    response.headers["Retry-After"] = str(wait)
    return response


def _failed(name: str, action: str) -> None:
    throttle.record_failure(name, request.remote_addr or "", False)
    record(db.session, name, action, source=request.remote_addr or "")
    db.session.commit()


@bp.route("/aktiver", methods=["GET", "POST"])
def activate():
    """Step 1: the patient types the code from the tovholder."""
    if request.method == "GET":
        return render_template("patient/activate.html")
    refused = _throttled("mig:activation")
    if refused:
        return refused
    try:
        row = find_code(request.form.get("code", ""))
    except ActivationError as exc:
        _failed("mig:activation", "patient.activation_refused")
        flash(_(str(exc)), "error")
        return render_template("patient/activate.html"), 400
    sessions.fresh_session()
    session[PENDING_KEY] = {"id": row.id, "secret": pyotp.random_base32()}
    return redirect(url_for("patient.activate_login"))


@bp.route("/aktiver/login", methods=["GET", "POST"])
def activate_login():
    """Step 2: choose a username and password and link an authenticator app (TOTP)."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return redirect(url_for("patient.activate"))
    username = request.form.get("username", "").strip().lower()[:80]
    status = 200
    if request.method == "POST":
        try:
            check_new_login(username, request.form.get("password", ""))
            account = complete_activation(pending["id"], username, request.form.get("password", ""),
                                          pending["secret"], request.form.get("totp", ""))
            if account.role == "relative":
                consents.link_account(pending["id"], account)
        except ActivationError as exc:
            db.session.rollback()
            flash(_(str(exc)), "error")
            status = 400
        else:
            patient_audit(account, "patient.activated", detail=f"activation={pending['id']}")
            session.pop(PENDING_KEY, None)
            sessions.begin(account)
            db.session.commit()
            flash(_("Din adgang er oprettet. Velkommen."), "info")
            return redirect(url_for("patient.home"))
    uri = provisioning_uri(pending["secret"], username or "patient")
    return render_template("patient/activate_login.html", secret=pending["secret"], uri=uri,
                           username=username), status


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with username, password and the six digits from the authenticator app."""
    if request.method == "GET":
        return render_template("patient/login.html")
    username = request.form.get("username", "").strip().lower()[:80]
    refused = _throttled(f"mig:{username}")
    if refused:
        return refused
    account = authenticate(username, request.form.get("password", ""), request.form.get("totp", ""))
    if account is None:
        db.session.rollback()
        _failed(f"mig:{username}", "patient.login_failed")
        flash(_("Brugernavn, adgangskode eller engangskode passer ikke."), "error")
        return render_template("patient/login.html", username=username), 401
    throttle.clear_failures(f"mig:{username}", request.remote_addr or "")
    sessions.begin(account)
    patient_audit(account, "patient.login")
    db.session.commit()
    target = safe_local_path(request.args.get("next")) or url_for("patient.home")
    if not target.startswith("/mig/"):
        target = url_for("patient.home")  # a patient is never sent into the staff area
    return redirect(target)


@bp.post("/logout")
def logout():
    """End the patient's session."""
    account = sessions.current_account()
    if account is not None:
        patient_audit(account, "patient.logout")
        db.session.commit()
    sessions.end()
    return redirect(url_for("patient.login"))
