"""Run the demo's web server and timer worker; stop both on SIGTERM, SIGINT or SIGHUP.

Started by scripts/run.sh. A Python parent can take SIGINT back even when it was started with
SIGINT ignored (a script's `cmd &`), which bash cannot, so Ctrl-C, `kill PID` and a closed
terminal all stop everything it started. Each child runs in its own process group, which is
signalled whole, and asks the kernel for SIGTERM should this parent die without cleaning up.
A timer worker that dies is started again (with a back-off); when the web server ends, so
does everything else.
"""
import argparse
import ctypes
import os
import signal
import subprocess
import sys
import time

PR_SET_PDEATHSIG = 1
GRACE_S = 10            # seconds a child gets after SIGTERM before SIGKILL
BACKOFF_S = (1, 2, 5, 10, 30)


def _die_with_parent():
    """In the child before exec: SIGTERM when the supervisor dies, even by SIGKILL (Linux)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass  # not Linux: the signal handlers below still cover every ordinary stop


def _start(argv):
    print(f"supervise: starting {' '.join(argv)}", flush=True)
    return subprocess.Popen(argv, start_new_session=True, preexec_fn=_die_with_parent)  # noqa: S603,PLW1509


def _stop(procs):
    """SIGTERM every child's process group, wait, then SIGKILL what is left."""
    for proc in procs:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + GRACE_S
    for proc in procs:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        try:  # the group too: anything the child started and left behind
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


class Stop(Exception):
    """A stop signal arrived."""


def _on_signal(signum, _frame):
    raise Stop(signal.Signals(signum).name)


def main():
    """Serve until the web server ends or a stop signal arrives; keep a timer worker running."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--web", required=True, help="the web server's command line")
    parser.add_argument("--worker", required=True, help="the timer worker's command line")
    args = parser.parse_args()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _on_signal)  # also when ignored on entry (started with `&`)
    web = worker = None
    restarts, code = 0, 0
    try:
        web = _start(args.web.split())
        worker = _start(args.worker.split())
        print(f"supervise: web server pid {web.pid}, timer worker pid {worker.pid}", flush=True)
        while True:
            time.sleep(0.5)
            if web.poll() is not None:
                code = web.returncode
                print(f"supervise: the web server ended ({code}); stopping", flush=True)
                break
            if worker.poll() is not None:
                wait = BACKOFF_S[min(restarts, len(BACKOFF_S) - 1)]
                print(f"supervise: the timer worker ended ({worker.returncode}); starting it "
                      f"again in {wait} s", flush=True)
                time.sleep(wait)
                restarts += 1
                worker = _start(args.worker.split())
                print(f"supervise: timer worker pid {worker.pid}", flush=True)
    except Stop as stop:
        print(f"supervise: {stop}: stopping the web server and the timer worker", flush=True)
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up
        _stop([p for p in (web, worker) if p is not None])
    return code


if __name__ == "__main__":
    sys.exit(main())
