"""Device cookies: a browser where a user has logged in before is trusted for that user.

Throttling by account or by address alone lets a stranger lock the real user out (guess
their username) or lock a whole hospital out (everyone shares one NAT address). Following
OWASP's "device cookie" scheme, a successful login leaves a signed cookie naming the user;
attempts that present it are throttled only on their own failures, so strangers' guesses
neither slow nor lock them.
"""
from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "forlob_device"
MAX_AGE_DAYS = 180
MAX_USERS = 5  # a shared ward computer remembers a few of its users


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="forlob-device")


def trusted_users() -> list[str]:
    """The usernames this browser's device cookie vouches for (empty when none or forged)."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return []
    try:
        names = _serializer().loads(raw, max_age=MAX_AGE_DAYS * 86400)
    except BadSignature:
        return []
    return [n for n in names if isinstance(n, str)][:MAX_USERS] if isinstance(names, list) else []


def is_trusted(username: str) -> bool:
    """True when this browser holds a valid device cookie for the username."""
    return bool(username) and username in trusted_users()


def remember(response, username: str):
    """Add the username to the browser's device cookie after a successful login."""
    names = [username] + [n for n in trusted_users() if n != username]
    response.set_cookie(COOKIE, _serializer().dumps(names[:MAX_USERS]),
                        max_age=MAX_AGE_DAYS * 86400, httponly=True, samesite="Lax",
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", True))
    return response
