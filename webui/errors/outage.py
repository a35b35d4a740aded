"""The database is down: a static Danish page (503, Retry-After), built without the database.

Two layers serve it. An error handler answers when a view meets the outage, and a WSGI
wrapper catches the outage wherever else it surfaces (loading the user, an after-request
hook, an error handler that itself needed the database), so no one ever sees a server's bare
English "Internal Server Error" page.
"""
import logging

from flask import Response
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from webui.extensions import db

log = logging.getLogger(__name__)
RETRY_AFTER_S = 30
# errors that mean "the database cannot be reached or used now", not a bug in a statement
OUTAGE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)

PAGE = """<!doctype html>
<html lang="da">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Forløb er midlertidigt utilgængeligt</title>
<style>
body { font-family: system-ui, sans-serif; margin: 0; color: #1b1b1b; background: #f5f5f2; }
main { max-width: 40rem; margin: 4rem auto; padding: 2rem; background: #fff;
       border-left: 6px solid #b35c00; }
h1 { font-size: 1.6rem; margin-top: 0; }
</style>
</head>
<body>
<main id="main">
<h1>Forløb er midlertidigt utilgængeligt</h1>
<p>Vi kan ikke komme i kontakt med databasen lige nu. Det er ikke din fejl.</p>
<p>Det, du allerede har fået bekræftet som gemt, er gemt. Det, du var ved at indsende, da
denne side kom frem, er måske ikke gemt: kontrollér det, når Forløb virker igen.</p>
<p>Prøv igen om et halvt minut. Varer det ved, så kontakt den lokale it-support.</p>
</main>
</body>
</html>
"""


def is_outage(exc) -> bool:
    """True when `exc`, or an exception it was raised from or during, is a database outage."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, OUTAGE):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def response() -> Response:
    """The static outage page as a 503 with Retry-After (no template, no database)."""
    return Response(PAGE, status=503, mimetype="text/html",
                    headers={"Retry-After": str(RETRY_AFTER_S), "Cache-Control": "no-store"})


def handle(exc):
    """Flask error handler for the outage errors: forget the broken transaction, answer 503."""
    if not is_outage(exc):
        raise exc
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is gone; the pool replaces it later
        log.warning("rollback during a database outage failed")
    log.error("database unavailable: %s", type(exc).__name__)
    return response()


class OutageGuard:
    """WSGI wrapper: an outage that escapes Flask's handlers becomes the static 503 page."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        """Serve the request; on a database outage anywhere in it, the static page."""
        try:
            return self.wsgi_app(environ, start_response)
        except Exception as exc:
            if not is_outage(exc):
                raise
            log.error("database unavailable outside a view: %s", type(exc).__name__)
            return response()(environ, start_response)
