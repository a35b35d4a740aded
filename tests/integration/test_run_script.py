"""The README's demo command serves the app with its timer worker; Ctrl-C stops both."""
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(os.environ.get("FORLOB_TEST_DB") == "postgres",
                                reason="the demo runs on SQLite; once per test run is enough")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pgid):
    out = subprocess.run(["ps", "-eo", "pgid=,cmd="], capture_output=True, text=True).stdout
    return [line for line in out.splitlines()
            if line.split(None, 1)[0] == str(pgid) and "flask" in line]


def test_demo_serves_with_a_timer_worker_and_ctrl_c_stops_both(tmp_path):
    port = _free_port()
    env = dict(os.environ, FORLOB_INSTANCE_PATH=str(tmp_path), PORT=str(port), HOST="127.0.0.1",
               FORLOB_DEMO_TIMER_INTERVAL="1")
    env.pop("FORLOB_TEST_DB", None)
    log = (tmp_path / "run.log").open("w")
    proc = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as page:
                    assert page.status == 200
                break
            except OSError:
                assert proc.poll() is None, (tmp_path / "run.log").read_text()
                time.sleep(1)
        else:
            pytest.fail("the demo did not answer in time")
        running = _children(proc.pid)
        assert any("engine worker" in line for line in running), running
        assert any("flask run" in line for line in running), running
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
        proc.wait(timeout=30)
        time.sleep(0.5)
        assert _children(proc.pid) == []
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
    output = (tmp_path / "run.log").read_text()
    assert f"http://127.0.0.1:{port}/" in output and "psyk.kbh" in output
