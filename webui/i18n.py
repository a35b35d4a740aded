"""Locale selection: Danish first, English when the user picks it."""
from flask import Blueprint, abort, current_app, redirect, request, session, url_for

from webui.security import safe_local_path

bp = Blueprint("i18n", __name__)

LANGUAGE_NAMES = {"da": "Dansk", "en": "English"}


def select_locale():
    """Pick the user's chosen language, else Danish."""
    chosen = session.get("lang")
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


@bp.post("/lang")
def switch_language():
    """Remember the chosen language in the session and go back."""
    lang = request.form.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        abort(400)
    session["lang"] = lang
    return redirect(safe_local_path(request.form.get("next")) or url_for("worklist.index"))
