"""Log in and out: server-side sessions with idle and absolute timeouts, throttled failures."""
from flask import Blueprint, flash, g, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from engine.audit import record
from webui import request_user
from webui.audit import audit
from webui.auth import devices, sessions, throttle
from webui.extensions import db, login_manager
from webui.models import User
from webui.passwords import spend_equal_work
from webui.security import safe_local_path

bp = Blueprint("auth", __name__, template_folder="templates")
login_manager.login_view = "auth.login"
login_manager.login_message = None
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(user_id):
    """Load the logged-in user, but only while the server-side session is live."""
    try:
        uid = int(user_id)
    except (TypeError, ValueError):
        return None
    verdict, user = sessions.check(uid)
    if verdict != "ok":
        g.session_end = verdict
        return None
    request_user.remember(user)
    return user


@bp.before_app_request
def end_dead_sessions():
    """Clear a cookie whose server-side session has ended; protected views then ask for a login."""
    if current_user.is_authenticated or sessions.TOKEN_KEY not in session:
        return None
    reason = g.get("session_end")
    _fresh_session()
    if reason in ("idle", "absolute"):
        flash(_("Din session er udløbet. Log ind igen."), "info")
    elif reason == "ended":
        flash(_("Din session er afsluttet. Log ind igen."), "info")
    return None


def password_ok(user, password) -> bool:
    """Check the password; unknown users cost the same hash work, so timing leaks nothing."""
    if user is None:
        spend_equal_work(password)
        return False
    return user.active and user.check_password(password)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form and log the user in."""
    if request.method == "GET" and current_user.is_authenticated:
        return redirect(url_for("worklist.index"))
    if request.method == "POST":
        username = request.form.get("username", "").strip()[:80]
        source = request.remote_addr or ""
        trusted = devices.is_trusted(username)
        attempt_id, wait = throttle.begin_attempt(username, source, trusted)
        if wait:
            _audit_failure(username, "login_throttled")
            flash(_("For mange mislykkede forsøg. Vent %(seconds)s sekunder, og prøv igen.",
                    seconds=wait), "error")
            response = make_response(render_template("auth/login.html", username=username), 429)
            response.headers["Retry-After"] = str(wait)
            return response
        user = db.session.scalar(db.select(User).filter_by(username=username))
        if password_ok(user, request.form.get("password", "")):
            throttle.clear_failures(username, source)
            return log_in(user, "login")
        if attempt_id is None:  # throttling off: nothing was recorded before the check
            throttle.record_failure(username, source, trusted)
        _audit_failure(username, "login_failed")
        flash(_("Forkert brugernavn eller adgangskode."), "error")
        return render_template("auth/login.html", username=username), 401
    return render_template("auth/login.html")


def log_in(user, action, detail=""):
    """Start a fresh session for the user, audit it and leave the device cookie."""
    _fresh_session()
    session.permanent = True
    login_user(user)
    request_user.remember(user)
    sessions.begin(user)
    audit(action, detail=detail)
    db.session.commit()
    target = safe_local_path(request.args.get("next")) or url_for("worklist.index")
    return devices.remember(redirect(target), user.username)


@bp.post("/logout")
@login_required
def logout():
    """Log the user out."""
    audit("logout")
    db.session.commit()
    sessions.end_current("logout")
    logout_user()
    request_user.remember(None)
    _fresh_session()
    return redirect(url_for("auth.login"))


def _audit_failure(username, action):
    """Record a failed or refused login under the attempted username."""
    record(db.session, username or "-", action, source=request.remote_addr or "")
    db.session.commit()


def _fresh_session():
    """Start a clean session (no fixation), keeping only the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


from webui.auth import unlock_views  # noqa: E402,F401  (registers the unlock link's page on bp)
