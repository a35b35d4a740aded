"""Response headers that keep patient pages out of caches, frames and foreign scripts."""
from flask_login import current_user

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


def add_headers(response):
    """Set the security headers; pages for a logged-in user are never cached."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if current_user.is_authenticated and response.mimetype in ("text/html", "application/json"):
        response.headers["Cache-Control"] = "no-store"
    return response


def register(app):
    """Attach the header hook to the app."""
    app.after_request(add_headers)
