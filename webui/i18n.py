"""Locale selection: Danish first, English when the user picks it."""
from flask import Blueprint, abort, current_app, has_request_context, redirect, request, session, url_for
from flask.globals import _cv_request
from flask_babel import get_translations

from engine.errors import Message
from webui.security import safe_local_path

bp = Blueprint("i18n", __name__)


def localise(text):
    """An engine Message in the user's language (its catalogue entry, values filled in and
    themselves localised); any other value unchanged."""
    if not isinstance(text, Message):
        return text
    if not has_request_context():  # a background job (worker lane): no user, so Danish
        return str(text)
    values = {k: "; ".join(str(localise(p)) for p in v) if isinstance(v, tuple) else localise(v)
              for k, v in text.values.items()}
    translated = get_translations().gettext(text.template)
    return translated % values if values else translated


def localise_problems(problems):
    """Engine problems (file, element, line, message) with their messages localised."""
    return [(f, e, line, localise(m)) for f, e, line, m in problems]

LANGUAGE_NAMES = {"da": "Dansk", "en": "English"}


def select_locale():
    """Pick the user's chosen language, else Danish."""
    chosen = session.get("lang")
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _translations():
    """This request's translations, looked up once per request (else Flask-Babel's own lookup)."""
    ctx = _cv_request.get(None)
    if ctx is None:
        return get_translations()
    cached = getattr(ctx, "forlob_translations", None)
    if cached is None:
        cached = ctx.forlob_translations = get_translations()
    return cached


def install_template_gettext(app):
    """Templates' _() and ngettext() with one translations lookup per request.

    Flask-Babel's own callables resolve the context, the locale and the catalogue cache on
    every call; a worklist page makes about 200 such calls, which cost ~5 ms of CPU.
    """
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )


@bp.post("/lang")
def switch_language():
    """Remember the chosen language in the session and go back."""
    lang = request.form.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        abort(400)
    session["lang"] = lang
    return redirect(safe_local_path(request.form.get("next")) or url_for("worklist.index"))
