"""Supervision of the timer worker: heartbeat, clean stop on SIGTERM, back-off on database loss."""
import logging
import os
import random
import select
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
        # A signal handler must take no lock: Event.set() takes one, and a second SIGTERM
        # arriving while the first handler held it (systemd or serve.sh and its trap both send
        # one) deadlocked the worker for good. The handler only notes the signal and writes a
        # byte to this pipe; the main thread wakes on it and sets `stopping` itself.
        self._signalled = None
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)
        self.worker_id = worker_identity()
        self.started_at = clock.utcnow()
        self.failures = 0
        self._previous = {}
        if threading.current_thread() is threading.main_thread():
            for signum in STOP_SIGNALS:
                self._previous[signum] = signal.signal(signum, self._on_signal)
        log.info("worker started", extra={"worker": self.worker_id, "interval": self.interval})

    def _on_signal(self, signum, frame):
        # Only a flag and a byte: the sweep checks it between pathways, so the one in hand is
        # finished. No lock, no logging here (see __init__).
        self._signalled = signum
        try:
            os.write(self._wake_w, b"\0")
        except OSError:  # the pipe is full (it already wakes the sleeper) or closed
            pass

    def _notice(self):
        """Turn a signal the handler noted into `stopping`, in the main thread."""
        if self._signalled is not None and not self.stopping.is_set():
            log.info("stop requested", extra={"worker": self.worker_id, "signal": self._signalled})
            self.stopping.set()
        return self.stopping.is_set()

    def _wait(self, seconds):
        """Sleep up to `seconds`; True as soon as a stop is requested."""
        if self._notice():
            return True
        readable, _, _ = select.select([self._wake_r], [], [], max(0.0, seconds))
        if readable:
            os.read(self._wake_r, 512)
        return self._notice()

    def running(self) -> bool:
        """False once a stop signal has arrived."""
        return not self._notice()

    def stop_requested(self) -> bool:
        """For tick(stop=...): True once the worker should end after the pathway in hand."""
        return self._notice()

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
        self._wait(delay)

    def sleep(self):
        """Wait for the next sweep, beating meanwhile; returns early on a stop signal."""
        deadline = time.monotonic() + self.interval
        while not self._notice():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            if self._wait(min(left, BEAT_EVERY)):
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
        os.close(self._wake_r)
        os.close(self._wake_w)
        log.info("worker stopped", extra={"worker": self.worker_id})
