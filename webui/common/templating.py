"""Template helpers: access checks, language names and date formatting."""
import re
from datetime import date

from flask.globals import _cv_request
from flask_babel import format_date, format_datetime, get_locale
from flask_wtf.csrf import generate_csrf

from webui.access import can_refer, has_area, is_admin
from webui.common.timeutil import local, local_date
from webui.i18n import LANGUAGE_NAMES
from webui.roles import role_label

_ISO_DAY = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")


def _as_date(value):
    """The Danish calendar date of a date, datetime or ISO string (None when empty/unreadable)."""
    try:
        return local_date(value)
    except ValueError:
        return None


def _as_datetime(value):
    """A datetime in Danish time from a datetime or ISO string (None when empty/unreadable)."""
    if value in (None, ""):
        return None
    try:
        return local(value)
    except ValueError:
        return None


def fmt_date(value):
    """Format a date for display in the current locale (each day once per request: Babel's
    formatting costs ~30 µs, and a worklist page shows the same few due dates on every row)."""
    parsed = _as_date(value)
    if not parsed:
        return "–"
    ctx = _cv_request.get(None)
    if ctx is None:
        return format_date(parsed, "medium")
    known = getattr(ctx, "forlob_dates", None)
    if known is None:
        known = ctx.forlob_dates = {}
    text = known.get(parsed)
    if text is None:
        text = known[parsed] = format_date(parsed, "medium")
    return text


def danish_dates(text):
    """A stored text (e.g. a breach reason) with its ISO dates written like 28. mar. 2027."""
    if not text:
        return text
    return _ISO_DAY.sub(lambda m: fmt_date(date.fromisoformat(m.group(1))), text)


def fmt_datetime(value):
    """Format a datetime for display in the current locale and time zone."""
    parsed = _as_datetime(value)
    return format_datetime(parsed, "short") if parsed else "–"


def fmt_time(value):
    """The Danish clock time of a stored datetime (HH:MM)."""
    shown = local(value)
    return shown.strftime("%H:%M") if shown else "–"


def local_input(value):
    """A stored datetime as the value of a datetime-local input (Danish time)."""
    shown = local(value)
    return shown.strftime("%Y-%m-%dT%H:%M") if shown else ""


def csrf_token_once():
    """The request's CSRF token, signed once: every form of a page shares it.

    Flask-WTF signs afresh (HMAC, timestamp) on each call; the worklist alone called it once
    per row. Flask-WTF already keeps one raw token per request, so sharing changes nothing.
    """
    ctx = _cv_request.get(None)
    if ctx is None:
        return generate_csrf()
    token = getattr(ctx, "forlob_csrf", None)
    if token is None:
        token = ctx.forlob_csrf = generate_csrf()
    return token


def register(app):
    """Add the helpers to every template."""
    app.jinja_env.filters["fmt_date"] = fmt_date
    app.jinja_env.filters["fmt_datetime"] = fmt_datetime
    app.jinja_env.filters["fmt_time"] = fmt_time
    app.jinja_env.filters["local_input"] = local_input
    app.jinja_env.filters["role_label"] = role_label
    app.jinja_env.globals["danish_dates"] = danish_dates
    app.jinja_env.globals["csrf_token"] = csrf_token_once  # replaces Flask-WTF's, see above

    @app.context_processor
    def helpers():
        return {"can_refer": can_refer, "is_admin": is_admin, "has_area": has_area,
                "language_names": LANGUAGE_NAMES,
                "get_locale": get_locale}
