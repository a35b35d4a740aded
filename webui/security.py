"""Response headers (no cache, frames or foreign scripts), safe redirects and input checks."""
import re
from urllib.parse import urlsplit

from flask import Response, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import BadRequest
from werkzeug.serving import WSGIRequestHandler

from forms.text import displayable, text_problem
from webui import request_user

# bpmn-js sets inline styles and its icon font is a data: URI; scripts come only from us.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
])

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def safe_local_path(target):
    """Return target only when it is a path on this site, else None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    # browsers treat a backslash as "/" and drop tabs and newlines: "/<TAB>/evil" is "//evil"
    if "\\" in target or any(ord(char) < 0x20 or ord(char) == 0x7F for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def add_headers(response):
    """Set the security headers; pages for a logged-in user are never cached."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype in ("text/html", "application/json") and _signed_in():
        response.headers["Cache-Control"] = "no-store"
    return response


def _signed_in():
    """Whether a user is signed in; True when that cannot be read any more (the database went
    away after this request's commit): never cache, and never turn a stored change into a 500."""
    try:
        return request_user.signed_in_id() is not None
    except SQLAlchemyError:
        return True


_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")
MAX_JSON_DEPTH = 32  # no event or form answer nests deeper; 1,000 levels overflow Python's parser


class RequestRefused(BadRequest):
    """A request whose text breaks the one text rule (forms/text.py); ``code_name`` is stable."""

    def __init__(self, code_name, description):
        super().__init__(description)
        self.code_name = code_name


def json_depth(raw: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text (strings skipped)."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub(b"", raw)):
        depth += 1 if bracket in (b"[", b"{") else -1
        deepest = max(deepest, depth)
    return deepest


def _json_texts(value):
    """Every key and string inside parsed JSON."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _json_texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_texts(item)


def _request_texts():
    """The path, query, form fields, file names and JSON strings of the request."""
    yield request.path
    fields = (request.args, request.form) if request.method in ("POST", "PUT", "PATCH") \
        else (request.args,)
    for field in fields:
        for pair in field.items(multi=True):
            yield from pair
    if request.method in ("POST", "PUT", "PATCH"):
        for name, upload in request.files.items(multi=True):
            yield name
            yield upload.filename or ""
        if request.is_json:
            yield from _json_texts(request.get_json(silent=True))


def reject_bad_text():
    """400 for text that breaks the text rule anywhere in a request: the door for every page.

    A NUL cannot be stored in PostgreSQL, and a lone surrogate cannot be written out as UTF-8,
    so once stored it would break every page that shows it. Per-field length limits are
    checked by each form or schema; this rule covers the characters.
    """
    if request.is_json and request.method in ("POST", "PUT", "PATCH") \
            and json_depth(request.get_data(cache=True)) > MAX_JSON_DEPTH:
        raise RequestRefused("too_deep", f"JSON may nest at most {MAX_JSON_DEPTH} levels.")
    for text in _request_texts():
        reason = text_problem(text)
        if reason:
            raise RequestRefused("invalid_text", "Text must be valid Unicode without control "
                                                 "characters (only newline and tab).")


class SafeResponse(Response):
    """A response whose text body can always be written out, whatever text was stored.

    Text is checked at every door, but a row stored before that (or edited in the database)
    may hold a lone surrogate; UTF-8 cannot encode it, and one such row must not turn every
    page that shows it into a 500. It is written as U+FFFD instead.
    """

    def set_data(self, value):
        """Encode text leniently: anything UTF-8 cannot hold becomes a replacement character."""
        if isinstance(value, str):
            try:
                value = value.encode("utf-8")
            except UnicodeEncodeError:
                value = displayable(value).encode("utf-8")
        super().set_data(value)


SERVER_NAME = "forlob"


def _server_name(handler):
    """The dev server's Server header without a version banner (it names Werkzeug and Python)."""
    return SERVER_NAME


def register(app):
    """Attach the request check, the header hook and the lenient response class to the app."""
    app.response_class = SafeResponse
    # the dev server writes Server itself, before the app's headers; gunicorn sends only
    # "gunicorn" (no version) and scripts/gunicorn.conf.py replaces even that
    WSGIRequestHandler.version_string = _server_name  # type: ignore[method-assign]
    app.before_request(reject_bad_text)
    app.after_request(add_headers)
