"""A real gunicorn serving the test database over HTTP, with production settings."""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "gunicorn-test-key-by-file"


def free_port():
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(database_url, tmp_path, workers=2, threads=8, extra_env=None):
    """Start gunicorn (CSRF and throttling on) on the database; yield its base URL."""
    port = free_port()
    # secrets by file, as docs/operations.md sets production up: none in any environment
    secrets = tmp_path / "secrets"
    secrets.mkdir(mode=0o700, exist_ok=True)
    (secrets / "database_url").write_text(database_url)
    (secrets / "secret_key").write_text(SECRET_KEY)
    env = {"DATABASE_URL_FILE": str(secrets / "database_url"),
           "SECRET_KEY_FILE": str(secrets / "secret_key"), "FORLOB_INSECURE_COOKIES": "1",
           "FORLOB_AUTO_MIGRATE": "0", "FORLOB_DEPLOY_ON_START": "0", "FORLOB_LOG_JSON": "0",
           "FORLOB_INSTANCE_PATH": str(tmp_path), "PATH": "/usr/bin:/bin", **(extra_env or {})}
    log_path = tmp_path / "gunicorn.log"
    log = open(log_path, "wb")  # noqa: SIM115  (closed after the process)
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(workers),  # noqa: S603
                             "--threads", str(threads), "-b", f"127.0.0.1:{port}", "webui.wsgi:app"],
                            cwd=ROOT, env=env, stdout=log, stderr=log,
                            process_group=0)  # its own group for killpg, in this session
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url + "/login", timeout=2).close()  # noqa: S310
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(log_path.read_text()[-2000:])
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        # gunicorn waits up to its graceful timeout (30 s) for requests in hand; at load 8 an
        # owner's starved request can be one of them, and then stopping takes longer still
        try:
            proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        log.close()
