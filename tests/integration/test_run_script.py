"""The README's demo command serves the app with its timer worker; any stop signal, however
the script was started, stops everything it started, and a dying timer worker comes back."""
import os
import signal
import socket
import subprocess
import urllib.request
from pathlib import Path

import pytest

from tests.integration.waiting import until

ROOT = Path(__file__).resolve().parents[2]
WAIT = 240  # seconds a state may take to arrive under load (waited for, never slept)

pytestmark = pytest.mark.skipif(os.environ.get("FORLOB_TEST_DB") == "postgres",
                                reason="the demo runs on SQLite; once per test run is enough")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _table():
    """{pid: (ppid, command line)} of every process."""
    out = subprocess.run(["ps", "-eo", "pid=,ppid=,args="], capture_output=True, text=True).stdout
    rows = {}
    for line in out.splitlines():
        pid, ppid, cmd = (line.split(None, 2) + [""])[:3]
        rows[int(pid)] = (int(ppid), cmd)
    return rows


def _descendants(pid):
    """{pid: command line} of every process below `pid`."""
    rows, found, todo = _table(), {}, [pid]
    while todo:
        parent = todo.pop()
        for child, (ppid, cmd) in rows.items():
            if ppid == parent and child not in found:
                found[child] = cmd
                todo.append(child)
    return found


def _alive(pids):
    rows = _table()
    return {pid: rows[pid][1] for pid in pids if pid in rows}


def _until(check, what, log):
    return until(check, what, log, WAIT)


def _serve(tmp_path, ignore_sigint=False):
    port = _free_port()
    # FORLOB_SKIP_SETUP: set-up ran before the suite (CI runs it first). Run again here, it
    # rebuilt webui/static/vendor while the PostgreSQL run beside this one served those files
    # (a chunk test found none, and a browser test could have lost its editor)
    env = dict(os.environ, FORLOB_INSTANCE_PATH=str(tmp_path), PORT=str(port), HOST="127.0.0.1",
               FORLOB_DEMO_TIMER_INTERVAL="1", FORLOB_SKIP_SETUP="1")
    env.pop("FORLOB_TEST_DB", None)
    log_path = tmp_path / "run.log"

    def as_from_a_script():  # `bash run.sh &` in a non-interactive script ignores SIGINT
        # either way explicitly: the suite itself may run with SIGINT ignored (`nohup … &`),
        # and a child inherits that
        signal.signal(signal.SIGINT, signal.SIG_IGN if ignore_sigint else signal.SIG_DFL)
    proc = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, env=env,
                            stdout=log_path.open("w"), stderr=subprocess.STDOUT,
                            start_new_session=True, preexec_fn=as_from_a_script)  # noqa: PLW1509

    def answers():
        assert proc.poll() is None, log_path.read_text()[-3000:]
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as page:
                return page.status == 200
        except OSError:
            return False
    _until(answers, "the demo answering", log_path)
    return proc, port, log_path


def _both(proc, log_path):
    """{pid: cmd} of the web server and the timer worker (and whatever runs below them)."""
    def found():
        below = _descendants(proc.pid)
        cmds = " ".join(below.values())
        return below if "engine worker" in cmds and "flask run" in cmds else None
    return _until(found, "the web server and the timer worker running", log_path)


def _stopped(proc, started, log_path):
    proc.wait(timeout=60)
    _until(lambda: not _alive(started), "everything stopping", log_path)


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm-to-the-script"])
def test_demo_serves_with_a_timer_worker_and_stops_both(tmp_path, how):
    proc, port, log_path = _serve(tmp_path)
    try:
        started = _both(proc, log_path)
        if how == "ctrl-c":
            os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
        else:
            os.kill(proc.pid, signal.SIGTERM)  # `kill PID`: the script alone is told
        _stopped(proc, started, log_path)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    output = log_path.read_text()
    assert f"http://127.0.0.1:{port}/" in output and "psyk.kbh" in output


def test_started_with_sigint_ignored_restarts_the_worker_and_stops_on_sigint_and_hup(tmp_path):
    proc, _, log_path = _serve(tmp_path, ignore_sigint=True)
    try:
        started = _both(proc, log_path)
        [worker] = [pid for pid, cmd in started.items()
                    if "engine worker" in cmd and _table()[pid][0] == proc.pid]
        os.kill(worker, signal.SIGKILL)  # the timer worker dies

        def again():
            now = _descendants(proc.pid)
            return [pid for pid, cmd in now.items() if "engine worker" in cmd and pid != worker]
        _until(again, "the timer worker starting again", log_path)
        started = _both(proc, log_path)
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C although SIGINT was ignored on entry
        _stopped(proc, started, log_path)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert "starting it again" in log_path.read_text()


def test_sighup_stops_everything(tmp_path):
    proc, _, log_path = _serve(tmp_path, ignore_sigint=True)
    try:
        started = _both(proc, log_path)
        os.kill(proc.pid, signal.SIGHUP)  # the terminal closed
        _stopped(proc, started, log_path)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
