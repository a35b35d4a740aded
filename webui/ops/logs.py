"""Structured logs: one JSON object per line, a request id on every line, no patient data.

What is never logged: query strings (a search carries a CPR number or a name), form bodies,
exception messages (they can quote submitted values) and URL parts other than numeric ids.
A last filter masks anything shaped like a CPR number in every message, from any library.
"""
import contextvars
import json
import logging
import os
import re
import sys
import time
import traceback
import uuid
from datetime import UTC, datetime

from flask import g, request
from flask.logging import default_handler
from sqlalchemy.exc import SQLAlchemyError

from webui import request_user

REQUEST_ID = contextvars.ContextVar("forlob_request_id", default=None)
INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
CPR_LIKE = re.compile(r"(?<!\d)\d{6}-?\d{4}(?!\d)")
QUERY = re.compile(r"\?[^\s\"']*")
# extra= fields copied onto a log line (everything else on the record is dropped)
FIELDS = ("event", "method", "route", "status", "ms", "user_id", "ids", "worker", "interval",
          "signal", "failures", "retry_in_s", "error", "fired", "workers")
_configured = False


SQL_DETAIL = re.compile(r"\s*\[(SQL|parameters): .*", re.DOTALL)
MAX_MESSAGE = 1000


def redact(text: str) -> str:
    """Drop SQL text and parameters, query strings and CPR-shaped numbers; cap the length."""
    text = SQL_DETAIL.sub(" [sql omitted]", text)
    return CPR_LIKE.sub("[cpr]", QUERY.sub("?[…]", text))[:MAX_MESSAGE]


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON line."""

    def format(self, record):
        entry = {"ts": datetime.fromtimestamp(record.created, UTC).isoformat(
                     timespec="milliseconds"),
                 "level": record.levelname.lower(), "logger": record.name,
                 "msg": redact(record.getMessage()), "pid": record.process}
        request_id = REQUEST_ID.get()
        if request_id:
            entry["request_id"] = request_id
        for key in FIELDS:
            if key in record.__dict__:
                entry[key] = record.__dict__[key]
        if record.exc_info and record.exc_info[0] is not None:
            # type and frames only: an exception's message may quote patient data
            entry["exc_type"] = record.exc_info[0].__name__
            entry["frames"] = [f"{f.filename.rsplit('/', 2)[-1]}:{f.lineno}:{f.name}"
                               for f in traceback.extract_tb(record.exc_info[2])][-8:]
        return json.dumps(entry, ensure_ascii=False, default=str)


class CprMask(logging.Filter):
    """For handlers that are not ours (plain text, gunicorn's): mask CPR numbers and query
    strings in the message and in the formatted traceback before any formatter sees them."""

    def filter(self, record):
        """Rewrite the record in place; never drop it."""
        record.msg, record.args = _mask(record.getMessage()), None
        if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
            record.exc_text = _mask("".join(traceback.format_exception(*record.exc_info)))
        return True


def _mask(text: str) -> str:
    return CPR_LIKE.sub("[cpr]", QUERY.sub("?[…]", text))


def mask_handlers(*loggers):
    """Put CprMask on every handler of the root logger, Flask's default handler and `loggers`."""
    handlers = [default_handler, *logging.getLogger().handlers]
    for name in loggers:
        handlers.extend(logging.getLogger(name).handlers)
    for handler in handlers:
        if not any(isinstance(f, CprMask) for f in handler.filters):
            handler.addFilter(CprMask())


def configure(level=logging.INFO):
    """Send every logger's records to stderr as JSON lines (once per process)."""
    global _configured
    if _configured:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("werkzeug", "gunicorn.access"):  # their request lines carry full URLs
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # SpiffWorkflow logs every task state change at INFO: noise, and CPU under load
    for chatty in ("spiff", "spiff.task", "spiff.workflow", "spiff.metrics"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    _configured = True


def _start_request():
    """Adopt a sane incoming X-Request-ID or make one; start the clock."""
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if INCOMING_ID.match(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()
    REQUEST_ID.set(g.request_id)


def route_of() -> str:
    """The URL rule that matched (e.g. /patienter/<int:patient_id>), never the concrete URL."""
    rule = request.url_rule
    return rule.rule if rule is not None else "<unmatched>"


def _finish_request(response):
    """Return the request id and write the access line."""
    request_id = getattr(g, "request_id", None)
    if request_id:
        response.headers["X-Request-ID"] = request_id
    started = getattr(g, "request_started", None)
    if started is not None and _configured and ACCESS_LOG:
        ids = {k: v for k, v in (request.view_args or {}).items() if isinstance(v, int)}
        try:
            user_id = request_user.signed_in_id()
        except SQLAlchemyError:  # the database went away after the commit: the line still goes
            user_id = None
        logging.getLogger("forlob.access").info("request", extra={
            "event": "request", "method": request.method, "route": route_of(),
            "status": response.status_code, "ms": round((time.perf_counter() - started) * 1000, 1),
            "user_id": int(user_id) if user_id else None, "ids": ids or None})
    return response


ACCESS_LOG = os.environ.get("FORLOB_ACCESS_LOG", "1") == "1"


def register(app):
    """JSON logging (outside tests) and the request-id hooks."""
    if app.config.get("LOG_JSON", os.environ.get("FORLOB_LOG_JSON", "1") == "1") \
            and not app.config.get("TESTING"):
        configure()
        app.logger.removeHandler(default_handler)
    mask_handlers("gunicorn.error")  # whatever handles a record, no CPR number gets out
    # first of all before-request hooks: a CSRF or login refusal still gets an id and a line
    app.before_request_funcs.setdefault(None, []).insert(0, _start_request)
    app.after_request(_finish_request)
