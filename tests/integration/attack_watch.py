"""Watching an attack: /healthz latency and the service process's memory while it runs."""
import gc
import resource
import threading
import time
from contextlib import contextmanager


def rss_mb():
    """The process's resident memory now, in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0  # pragma: no cover - not Linux


def peak_mb():
    """The process's peak resident memory so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Watch:
    """What a second client saw while the attack ran."""

    def __init__(self):
        self.latencies = []
        self.statuses = []
        self.rss = []
        self.elapsed = None
        self.cpu_s = None  # CPU time of this (the service's) process while the attack ran
        self.rss_before = rss_mb()
        self.peak_before = peak_mb()

    def memory_growth_mb(self):
        """Largest growth of resident memory, sampled, and of the peak, over the attack."""
        return max([r - self.rss_before for r in self.rss] + [peak_mb() - self.peak_before, 0])


@contextmanager
def watched(app):
    """Run the body (the attack) while another thread polls /healthz every 20 ms."""
    client = app.test_client()
    watch, done, ready = Watch(), threading.Event(), threading.Event()

    def poll():
        # Warm up in this thread: its first request opens its own database connection.
        client.get("/healthz")
        client.get("/healthz")
        ready.set()
        while not done.is_set():
            started = time.perf_counter()
            response = client.get("/healthz")
            watch.latencies.append(time.perf_counter() - started)
            watch.statuses.append(response.status_code)
            watch.rss.append(rss_mb())
            done.wait(0.02)

    # A full collection of the test process's own objects (pytest, SQLAlchemy, every spec
    # parsed so far) holds the GIL for 150 ms to 1 s on a busy machine, whatever the attack
    # does; freezing them (as a pre-fork server does) keeps that pause out of the figures,
    # while garbage made during the attack is still collected.
    gc.freeze()
    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    ready.wait(10)
    started, cpu = time.monotonic(), time.process_time()
    try:
        yield watch
    finally:
        watch.elapsed = time.monotonic() - started
        watch.cpu_s = time.process_time() - cpu
        done.set()
        thread.join(5)
        gc.unfreeze()
