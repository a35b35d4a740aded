"""Log in and out, with throttled failures and an idle session timeout."""
from datetime import datetime, timezone

from flask import (Blueprint, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.security import check_password_hash, generate_password_hash

from webui.audit import audit
from webui.auth import throttle
from webui.extensions import db, login_manager
from webui.models import User
from webui.security import safe_local_path

bp = Blueprint("auth", __name__, template_folder="templates")
login_manager.login_view = "auth.login"
login_manager.login_message = None
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(user_id):
    """Load the logged-in user for Flask-Login."""
    return db.session.get(User, int(user_id))


@bp.before_app_request
def enforce_idle_timeout():
    """Log out a session that has been idle longer than PERMANENT_SESSION_LIFETIME."""
    if not current_user.is_authenticated:
        return None
    now = datetime.now(timezone.utc).timestamp()
    last_seen = session.get("last_seen", now)
    limit = current_app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    if now - last_seen > limit:
        logout_user()
        _fresh_session()
        flash(_("Din session er udløbet. Log ind igen."), "info")
        return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
    session["last_seen"] = now
    return None


_DUMMY_HASH = generate_password_hash("timing-equaliser")


def _password_ok(user, password) -> bool:
    """Check the password; unknown users cost the same hash work, so timing leaks nothing."""
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
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
        if throttle.is_locked(username, source):
            _audit_failure(username, "login_locked")
            flash(_("For mange mislykkede forsøg. Vent 15 minutter, og prøv igen."), "error")
            return render_template("auth/login.html", username=username), 429
        user = db.session.scalar(db.select(User).filter_by(username=username))
        if _password_ok(user, request.form.get("password", "")):
            throttle.clear_failures(username)
            _fresh_session()
            session.permanent = True
            login_user(user)
            session["last_seen"] = datetime.now(timezone.utc).timestamp()
            audit("login")
            db.session.commit()
            return redirect(safe_local_path(request.args.get("next")) or url_for("worklist.index"))
        throttle.record_failure(username, source)
        _audit_failure(username, "login_failed")
        flash(_("Forkert brugernavn eller adgangskode."), "error")
        return render_template("auth/login.html", username=username), 401
    return render_template("auth/login.html")


@bp.post("/logout")
@login_required
def logout():
    """Log the user out."""
    audit("logout")
    db.session.commit()
    logout_user()
    _fresh_session()
    return redirect(url_for("auth.login"))


def _audit_failure(username, action):
    """Record a failed or refused login under the attempted username."""
    from engine.audit import record
    record(db.session, username or "-", action, source=request.remote_addr or "")
    db.session.commit()


def _fresh_session():
    """Start a clean session (no fixation), keeping only the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
