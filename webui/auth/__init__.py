"""Log in and out."""
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from webui.extensions import db, login_manager
from webui.models import User

bp = Blueprint("auth", __name__, template_folder="templates")
login_manager.login_view = "auth.login"


@login_manager.user_loader
def load_user(user_id):
    """Load the logged-in user for Flask-Login."""
    return db.session.get(User, int(user_id))


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form and log the user in."""
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        user = db.session.scalar(db.select(User).filter_by(username=username))
        if user and user.active and user.check_password(request.form.get("password", "")):
            session.permanent = True
            login_user(user)
            return redirect(url_for("auth.home"))
        flash(_("Forkert brugernavn eller adgangskode."), "error")
    return render_template("auth/login.html")


@bp.post("/logout")
@login_required
def logout():
    """Log the user out."""
    logout_user()
    return redirect(url_for("auth.login"))


@bp.get("/")
@login_required
def home():
    """Start page after login."""
    return render_template("auth/home.html")
