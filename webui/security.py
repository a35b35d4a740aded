"""Response headers (no cache, frames or foreign scripts), safe redirects and input checks."""
from urllib.parse import urlsplit

from flask import abort, request
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

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
        return current_user.is_authenticated
    except SQLAlchemyError:
        return True


def reject_nul_bytes():
    """400 for a NUL character in the path, query, form or JSON: PostgreSQL text cannot hold it."""
    fields = (request.args, request.form) if request.method in ("POST", "PUT", "PATCH") \
        else (request.args,)
    texts = [request.path] + [text for field in fields for pair in field.items(multi=True)
                              for text in pair]
    if any("\x00" in text for text in texts):
        abort(400)
    if request.is_json and b"\\u0000" in request.get_data(cache=True):
        abort(400)


def register(app):
    """Attach the request check and the header hook to the app."""
    app.before_request(reject_nul_bytes)
    app.after_request(add_headers)
