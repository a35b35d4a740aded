"""Who a request is served to, remembered in g so code after the commit need not ask the database.

The request's commit expires every loaded row, the signed-in user's included. The response
headers and the access line are written after it and asked `current_user.is_authenticated`,
which reloaded the whole user row (a pool check-out with its ping, a transaction and a SELECT)
on every request only to read `active` again. The loader and the login and logout views note
the answer here when they decide it.
"""
from flask import g
from flask_login import current_user

_KEY = "forlob_signed_in_id"


def remember(user) -> None:
    """Note who this request is served to (None, or a user that is not active: nobody)."""
    setattr(g, _KEY, user.id if user is not None and user.is_active else None)


def signed_in_id():
    """The id of the signed-in user of this request, or None; no query once the user is known."""
    if "_login_user" in g:  # Flask-Login decided already; the loader or log-in noted it
        return getattr(g, _KEY, None)
    # nothing asked yet (e.g. a request refused before the log-in check): ask as before
    return int(current_user.get_id()) if current_user.is_authenticated else None
