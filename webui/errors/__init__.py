"""Friendly error pages, and the one place engine exceptions become HTTP answers."""
from flask import Blueprint, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from engine import errors as engine_errors
from webui.api.problems import http_problem, problem
from webui.errors import outage
from webui.errors.sandbox import sandbox_failure
from webui.extensions import db
from webui.fhir import outcome

bp = Blueprint("errors", __name__, template_folder="templates")

# status → (title, explanation) shown on the error page.
PAGES = {
    400: (_l("Ugyldig forespørgsel"), _l("Forespørgslen kunne ikke forstås. Gå tilbage, og prøv igen.")),
    403: (_l("Ingen adgang"), _l("Du har ikke adgang til denne side.")),
    404: (_l("Siden findes ikke"), _l("Siden findes ikke, eller du har ikke adgang til den.")),
    405: (_l("Ikke tilladt"), _l("Handlingen er ikke tilladt her.")),
    409: (_l("Konflikt"), _l("Nogen har ændret forløbet i mellemtiden. Genindlæs siden, og prøv igen.")),
    413: (_l("For stor forespørgsel"), _l("Det indsendte er for stort.")),
    429: (_l("For mange forsøg"), _l("Vent lidt, og prøv igen.")),
    500: (_l("Der opstod en fejl"), _l("Noget gik galt hos os. Ingen ændringer blev gemt. Prøv igen om lidt.")),
}

# a request refused by the text rule (webui/security.py): say what was wrong with it
REFUSED = {
    "invalid_text": _l("Teksten må kun indeholde gyldige tegn: ingen kontroltegn (kun linjeskift "
                       "og tabulator). Intet er gemt."),
    "too_deep": _l("Forespørgslen er for dybt indlejret. Intet er gemt."),
}

# engine exception name → (status, message); names keep this module free of engine imports
# at load time, and each is resolved against engine.errors when the app starts.
ENGINE_ERRORS = {
    "Conflict": (409, _l("Nogen andre har afsluttet opgaven før dig. Forløbet er opdateret; se hvor patienten er nu.")),
    "TaskNotReady": (409, _l("Opgaven er ikke længere klar. Den er måske allerede afsluttet.")),
    "PathwayAlreadyActive": (409, _l("Patienten har allerede et aktivt forløb.")),
    "NoRecipient": (409, _l("Intet forløb venter på denne besked.")),
    "NotFound": (404, None),
    "StaleBase": (409, _l("En nyere version af forløbsdefinitionen ændrer de samme filer.")),
    "ReviewRefused": (409, None),
    "ScenarioFailed": (409, _l("Et scenarie fejlede, så versionen blev ikke foreslået.")),
    "InvalidDefinition": (500, None),
    "EngineError": (500, None),
}


def _for_api():
    """True for a request to the hospital-systems API, which answers only in JSON."""
    return request.path == "/api" or request.path.startswith("/api/")


def render_error(status, message=None):
    """Render the friendly page for a status with an optional specific message."""
    title, text = PAGES.get(status, PAGES[500])
    return render_template("errors/error.html", status=status, title=title,
                           message=message or text), status


@bp.app_errorhandler(HTTPException)
def http_error(exc):
    """Any HTTP error (403, 404, 409, ...) as a friendly page."""
    if exc.code and exc.code >= 500:
        db.session.rollback()
    if outcome.is_fhir(request.path):
        return outcome.for_http_error(exc)  # a FHIR client reads an OperationOutcome, not a page
    if _for_api() or (exc.code == 400 and request.is_json):
        # a JSON client (the API, the modeler's editor) gets JSON it can show, not a page
        return http_problem(exc)
    refused = getattr(exc, "code_name", None)
    body, status = render_error(exc.code or 500, REFUSED.get(refused))
    # keep what the exception says about the answer: Allow on a 405, Retry-After on a 429
    headers = {name: value for name, value in exc.get_headers() if name.lower() != "content-type"}
    return body, status, headers


@bp.app_errorhandler(CSRFError)
def csrf_error(exc):
    """A missing or stale CSRF token: tell the user to reload the form."""
    return render_error(400, _l("Formularen er udløbet eller ugyldig. Genindlæs siden, og prøv igen."))


@bp.app_errorhandler(Exception)
def server_error(exc):
    """Any unexpected error: roll back the transaction and show the 500 page (or, when the
    database is down, the static outage page, which needs no database)."""
    if outage.is_outage(exc):
        return outage.handle(exc)
    db.session.rollback()
    current_app.logger.exception("unhandled error: %s", exc)
    if _for_api():
        return problem(500, "server_error", "The server could not answer; nothing was changed.")
    return render_error(500)


def register_engine_errors(app):
    """Map each engine exception to its status and message (once the engine exists); serve
    database outages with the static page, also when they escape Flask's handlers."""
    for kind in outage.OUTAGE:
        app.register_error_handler(kind, outage.handle)
    app.wsgi_app = outage.OutageGuard(app.wsgi_app)
    for name, (status, message) in ENGINE_ERRORS.items():
        exc_class = getattr(engine_errors, name, None)
        if exc_class is not None:
            app.register_error_handler(exc_class, _engine_handler(status, message))
    app.register_error_handler(engine_errors.SandboxViolation, sandbox_failure)


def _engine_handler(status, message):
    """Build a handler that rolls back and renders the friendly page."""
    def handle(exc):
        db.session.rollback()
        if status >= 500:  # operators must see these: type and code frames, no message text
            current_app.logger.error("engine error %s", type(exc).__name__, exc_info=exc)
        if _for_api():
            return problem(status, type(exc).__name__.lower(), str(message or PAGES[status][1]))
        return render_error(status, message)
    return handle
