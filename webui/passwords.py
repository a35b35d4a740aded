"""Password hashing with one configurable method (scrypt unless PASSWORD_HASH_METHOD says otherwise).

Production keeps werkzeug's scrypt. The test suite sets a cheap PBKDF2 method: scrypt costs
about 70 ms per hash, and seeding the eight demo logins before each web test spent most of
the suite's set-up time on it. The check reads the method from the stored hash, so any hash
made by either method keeps verifying.
"""
from functools import cache

from flask import current_app, has_app_context
from werkzeug.security import check_password_hash, generate_password_hash

DEFAULT_METHOD = "scrypt"


def _method() -> str:
    """The hash method of the current app (scrypt outside an app)."""
    if has_app_context():
        return current_app.config.get("PASSWORD_HASH_METHOD") or DEFAULT_METHOD
    return DEFAULT_METHOD


def hash_password(password: str) -> str:
    """A salted hash of password by the configured method."""
    return generate_password_hash(password, method=_method())


def check_password(stored_hash: str, password: str) -> bool:
    """True when password matches stored_hash (whatever method made it)."""
    return check_password_hash(stored_hash, password)


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash("timing-equaliser", method=method)


def spend_equal_work(password: str) -> None:
    """Do the hash work of one check for an unknown user, so timing says nothing."""
    check_password_hash(_dummy_hash(_method()), password)
