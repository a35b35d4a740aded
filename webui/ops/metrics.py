"""Prometheus metrics: request and click latency, engine errors, and timer state from the database.

Under gunicorn every worker process writes its samples to PROMETHEUS_MULTIPROC_DIR (set it
before start, see scripts/serve.sh); a scrape then adds them up across processes. Without that
variable the samples stay in this process (development, tests).
"""
import hmac
import os
import time

from flask import current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from engine import clock, errors
from engine.models import Pathway
from engine.service import latest_beat, worker_alive
from webui.config import secret

BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0, 10.0)
CLICK_ENDPOINTS = frozenset({"pathways.task_post"})

REQUEST_SECONDS = Histogram("forlob_request_seconds", "Request latency by route",
                            ["route", "method"], buckets=BUCKETS)
RESPONSES = Counter("forlob_responses_total", "Responses by route and status class",
                    ["route", "method", "status"])
CLICK_SECONDS = Histogram("forlob_click_seconds",
                          "Latency of a task-page post (complete or save a draft)",
                          buckets=BUCKETS)
CONFLICTS = Counter("forlob_conflicts_total",
                    "Conflicts: someone else changed the pathway or took the task first")
SANDBOX_VIOLATIONS = Counter("forlob_sandbox_violations_total",
                             "Expressions or scripts the sandbox refused")
_ENGINE_COUNTERS = {"conflict": CONFLICTS, "sandbox_violation": SANDBOX_VIOLATIONS}


def _count_engine_error(kind):
    counter = _ENGINE_COUNTERS.get(kind)
    if counter is not None:
        counter.inc()


class DatabaseCollector:
    """Gauges read from the database at scrape time (the same answer from any process)."""

    def __init__(self, session):
        self.session = session

    def collect(self):
        """Timer lag, due backlog, parked pathways and the age of the newest worker heartbeat."""
        now = clock.utcnow()
        active_due = (Pathway.status == "active", Pathway.next_due_at <= now)
        oldest, backlog = self.session.execute(
            select(func.min(Pathway.next_due_at), func.count()).where(*active_due)).one()
        parked = self.session.scalar(select(func.count()).where(
            Pathway.status == "active", Pathway.last_error.is_not(None)))
        beat = latest_beat(self.session)
        lag = (now - clock.as_utc(oldest)).total_seconds() if oldest is not None else 0.0
        yield GaugeMetricFamily("forlob_timer_lag_seconds",
                                "Now minus the oldest due next_due_at (0 when nothing is due)",
                                value=max(lag, 0.0))
        yield GaugeMetricFamily("forlob_timers_due", "Active pathways with a due timer",
                                value=backlog)
        yield GaugeMetricFamily("forlob_pathways_parked",
                                "Active pathways whose timer failed (last_error set)",
                                value=parked)
        yield GaugeMetricFamily("forlob_worker_heartbeat_age_seconds",
                                "Seconds since the newest timer-worker heartbeat (-1: none)",
                                value=(now - beat).total_seconds() if beat else -1)
        yield GaugeMetricFamily("forlob_timer_worker_up",
                                "1 when a timer worker has beaten within the last minute, else 0 "
                                "(the same test as /readyz/worker)",
                                value=1 if worker_alive(self.session) else 0)


def render(session) -> bytes:
    """The text exposition of every metric: process samples plus database gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    database = CollectorRegistry()
    database.register(DatabaseCollector(session))
    return generate_latest(registry) + generate_latest(database)


def token_ok(header: str) -> bool:
    """True when the Authorization header carries the configured scrape token."""
    token = current_app.config.get("METRICS_TOKEN") or ""
    if not token or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header[len("Bearer "):].encode(), token.encode())


def _start():
    g.metrics_started = time.perf_counter()


def _observe(response):
    """Record the request's latency under its route (the URL rule, so ids do not explode)."""
    started = getattr(g, "metrics_started", None)
    if started is None:
        return response
    seconds = time.perf_counter() - started
    rule = request.url_rule
    route = rule.rule if rule is not None else "<unmatched>"
    REQUEST_SECONDS.labels(route, request.method).observe(seconds)
    RESPONSES.labels(route, request.method, f"{response.status_code // 100}xx").inc()
    if request.endpoint in CLICK_ENDPOINTS and request.method == "POST":
        CLICK_SECONDS.observe(seconds)
    return response


CONTENT_TYPE = CONTENT_TYPE_LATEST


def register(app):
    """Time every request and count the engine's conflicts and sandbox violations."""
    app.config.setdefault("METRICS_TOKEN", secret("FORLOB_METRICS_TOKEN", "") or "")
    app.before_request_funcs.setdefault(None, []).insert(0, _start)  # before any refusal
    app.after_request(_observe)
    if _count_engine_error not in errors.OBSERVERS:
        errors.OBSERVERS.append(_count_engine_error)
