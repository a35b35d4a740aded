"""gunicorn settings for Forløb's web workers (read by scripts/serve.sh; override via env)."""
import multiprocessing
import os

from gunicorn.http import wsgi as gunicorn_wsgi
from prometheus_client import multiprocess

from webui.extensions import db

bind = os.environ.get("BIND", "127.0.0.1:8000")
# Requests are CPU-bound in Python (template rendering, workflow steps): one process per core
# plus one, each with a few threads to overlap the database round trips.
workers = int(os.environ.get("WEB_WORKERS", multiprocessing.cpu_count() + 1))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
max_requests = 5000          # recycle workers now and then (bounded memory)
max_requests_jitter = 500
preload_app = True           # migrate/deploy once in the master, then fork
accesslog = None             # our own JSON access line (webui/logs.py) has no query strings
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "webui.ops.logs.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json",
                            "stream": "ext://sys.stderr"}},
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
        "gunicorn.access": {"level": "WARNING", "handlers": ["stderr"], "propagate": False},
    },
}


def post_fork(server, worker):
    """Each worker opens its own database connections (none are shared across a fork)."""
    with server.app.callable.app_context():
        db.engine.dispose(close=False)


def child_exit(server, worker):
    """Let the metrics of a dead worker be merged, not double-counted (multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)

pidfile = os.environ.get("GUNICORN_PIDFILE") or None  # the fault tests find workers through it


def on_starting(server):
    """No server banner: gunicorn's Server header names the software; ours names nothing more."""
    gunicorn_wsgi.SERVER = "forlob"
