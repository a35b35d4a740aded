"""40 simultaneous wrong logins against gunicorn (2 worker processes x 8 threads), over HTTP.

The issue measured 13 passwords checked on gunicorn before counting and checking became one
step; in-process threads (test_throttle.py) cannot show that separate processes agree too.
"""
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.models import AuditEntry
from webui.extensions import db

ROOT = Path(__file__).resolve().parents[2]
PARALLEL = 40


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def gunicorn(database_url, demo_users, tmp_path):
    """gunicorn serving the test database, with production settings (CSRF and throttling on)."""
    port = _free_port()
    env = {"DATABASE_URL": database_url, "SECRET_KEY": "gunicorn-test", "FORLOB_INSECURE_COOKIES": "1",
           "FORLOB_AUTO_MIGRATE": "0", "FORLOB_DEPLOY_ON_START": "0", "FORLOB_LOG_JSON": "0",
           "FORLOB_INSTANCE_PATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    log = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115  (closed after the process)
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "--threads", "8",  # noqa: S603
                             "-b", f"127.0.0.1:{port}", "webui.wsgi:app"],
                            cwd=ROOT, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url + "/login", timeout=2).close()  # noqa: S310
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail((tmp_path / "gunicorn.log").read_text()[-2000:])
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def _browser(url):
    """A fresh browser: its own cookies and the login form's CSRF token."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    page = opener.open(url + "/login", timeout=10).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return opener, token


def _post_login(opener, url, token, password):
    data = urllib.parse.urlencode({"csrf_token": token, "username": "psyk.kbh",
                                   "password": password}).encode()
    try:
        return opener.open(url + "/login", data=data, timeout=30).status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_parallel_guesses_on_gunicorn_get_no_more_checks_than_serial_ones(app, gunicorn):
    browsers = [_browser(gunicorn) for _ in range(PARALLEL)]
    start = threading.Barrier(PARALLEL)

    def guess(browser):
        start.wait()
        return _post_login(browser[0], gunicorn, browser[1], "wrong")

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        codes = list(pool.map(guess, browsers))
    assert codes.count(401) + codes.count(429) == PARALLEL, codes
    with app.app_context():
        checked = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "login_failed", AuditEntry.actor == "psyk.kbh"))
    print(f"\n{PARALLEL} parallel wrong logins on gunicorn: {checked} passwords checked, "
          f"{codes.count(429)} answered 429")
    assert checked == codes.count(401) <= app.config.get("LOGIN_FREE_FAILURES", 3)
