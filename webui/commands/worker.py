"""Supervision of the timer worker: heartbeat, clean stop on SIGTERM, back-off on database loss."""
import logging
import random
import signal
import threading
import time
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError, OperationalError

from engine import clock
from engine.service import beat, forget_old, worker_identity
from webui.extensions import db

log = logging.getLogger("forlob.worker")
BEAT_EVERY = 20.0     # seconds between heartbeats while idle; readiness wants one per minute
MAX_BACKOFF = 30.0    # longest wait between reconnect attempts
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Supervisor:
    """Runs around each sweep of a timer worker; the sweep itself stays in engine_cli."""

    def __init__(self, interval, max_backoff=MAX_BACKOFF):
        self.interval = max(0.0, float(interval))
        self.max_backoff = max_backoff
        self.stopping = threading.Event()
        self.worker_id = worker_identity()
        self.started_at = clock.utcnow()
        self.failures = 0
        self._previous = {}
        if threading.current_thread() is threading.main_thread():
            for signum in STOP_SIGNALS:
                self._previous[signum] = signal.signal(signum, self._on_signal)
        log.info("worker started", extra={"worker": self.worker_id, "interval": self.interval})

    def _on_signal(self, signum, frame):
        # Only a flag: the sweep checks it between pathways, so the one in hand is finished.
        log.info("stop requested", extra={"worker": self.worker_id, "signal": signum})
        self.stopping.set()

    def running(self) -> bool:
        """False once a stop signal has arrived."""
        return not self.stopping.is_set()

    def stop_requested(self) -> bool:
        """For tick(stop=...): True once the worker should end after the pathway in hand."""
        return self.stopping.is_set()

    def _beat(self, state="running", swept=False):
        beat(db.session, self.worker_id, self.started_at, state=state, swept=swept)
        db.session.commit()

    @contextmanager
    def sweep(self):
        """Beat, run the body, beat again; a lost database means roll back and back off."""
        try:
            self._beat()
        except (OperationalError, DBAPIError):
            # no wait here: the body meets the same error at once and backs off below
            self._reset_connections()
        try:
            yield
            self._beat(swept=True)
            if self.failures:
                log.info("database reachable again", extra={"worker": self.worker_id,
                                                            "failures": self.failures})
            self.failures = 0
        except (OperationalError, DBAPIError) as exc:
            self._recover(exc)

    def _reset_connections(self):
        """Forget the session and every pooled connection (they died with the server)."""
        try:
            db.session.rollback()
        except DBAPIError:  # the connection is already gone; the pool replaces it
            pass
        db.session.remove()
        db.engine.dispose()

    def _recover(self, exc):
        """Drop the broken connections and wait (exponential, with jitter) before retrying."""
        self._reset_connections()
        self.failures += 1
        delay = min(self.max_backoff, 0.5 * 2 ** min(self.failures - 1, 10))
        delay *= random.uniform(0.8, 1.2)  # noqa: S311  (jitter, not a secret)  # several workers do not retry in lock-step
        log.warning("database unavailable; retrying", extra={
            "worker": self.worker_id, "failures": self.failures, "retry_in_s": round(delay, 2),
            "error": type(exc.orig if hasattr(exc, "orig") else exc).__name__})
        self.stopping.wait(delay)

    def sleep(self):
        """Wait for the next sweep, beating meanwhile; returns early on a stop signal."""
        deadline = time.monotonic() + self.interval
        while not self.stopping.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            if self.stopping.wait(min(left, BEAT_EVERY)):
                return
            if deadline - time.monotonic() > 0:
                try:
                    self._beat()
                except (OperationalError, DBAPIError) as exc:
                    self._recover(exc)
                    return

    def finish(self):
        """Mark this worker stopped (best effort) and restore the signal handlers."""
        try:
            self._beat(state="stopped")
            forget_old(db.session)
            db.session.commit()
        except (OperationalError, DBAPIError):
            db.session.rollback()
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        log.info("worker stopped", extra={"worker": self.worker_id})
