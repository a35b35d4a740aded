"""The timer worker's migration lane: bulk migration and validation jobs run in their own thread.

Timers and migrations used to share one loop, so a slow (or hostile) migration job delayed the
next timer sweep and the heartbeat. Now the sweep thread only fires timers (and beats); this
lane runs migration batches beside it with its own application context, database session and
owner-lane sandbox workers, so nothing a migration does can make a timer late. Process owners'
validation and dry-run jobs (`webui/modeler/validation_jobs.py`, `dry_run_jobs.py`) run here
too, between migration turns. The lane's thread (and the scenario threads it starts) runs at
the owners' niceness (19): on a machine it shares with the web server, its engine work yields
the CPU to clinicians' requests.
"""
import logging
import threading

from engine import modeling
from webui.commands.migration_cli import run_migration_batches
from webui.modeler import dry_run_jobs
from webui.modeler.validation_jobs import run_pending

log = logging.getLogger("forlob.worker")
IDLE_WAIT = 2.0   # seconds between looks for work when there is none
TURN_SECONDS = 5  # one call's longest run, so a stop request is seen within about this long


class MigrationLane:
    """A daemon thread that runs migration batches until `stopping` is set."""

    def __init__(self, app, stopping, idle_wait=IDLE_WAIT, turn_seconds=TURN_SECONDS):
        self.app = app
        self.stopping = stopping
        self.idle_wait = idle_wait
        self.turn_seconds = turn_seconds
        self.turns = self.handled = 0
        self.thread = threading.Thread(target=self._run, name="migration-lane", daemon=True)

    def start(self):
        """Start the lane's thread; returns self."""
        self.thread.start()
        return self

    def _run(self):
        modeling.lower_thread_priority()
        while not self.stopping.is_set():
            handled = 0
            try:
                with self.app.app_context():
                    handled = (run_pending() + dry_run_jobs.run_pending()
                               + run_migration_batches(seconds=self.turn_seconds))
            except Exception as exc:  # noqa: BLE001 - the lane must outlive any one job's failure
                log.exception("migration lane turn failed: %s", exc)
            self.turns += 1
            self.handled += handled
            if not handled:
                self.stopping.wait(self.idle_wait)

    def join(self, timeout=None):
        """Wait for the thread to end (after `stopping` is set)."""
        self.thread.join(timeout)
