"""Locale selection: Danish first, English when the user picks it."""
from flask import current_app, request, session


def select_locale():
    """Pick the user's chosen language, else Danish."""
    chosen = session.get("lang")
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]
