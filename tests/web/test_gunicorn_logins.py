"""40 simultaneous wrong logins against gunicorn (2 worker processes x 8 threads), over HTTP.

The issue measured 13 passwords checked on gunicorn before counting and checking became one
step; in-process threads (test_throttle.py) cannot show that separate processes agree too.
"""
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar

import pytest
from sqlalchemy import func, select

from engine.models import AuditEntry
from tests.web.live_gunicorn import serving
from webui.extensions import db

PARALLEL = 40


@pytest.fixture
def gunicorn(database_url, demo_users, tmp_path):
    """gunicorn serving the test database, with production settings (CSRF and throttling on)."""
    with serving(database_url, tmp_path) as url:
        yield url


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

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        codes = list(pool.map(guess, browsers))
    seconds = time.monotonic() - started
    assert codes.count(401) + codes.count(429) == PARALLEL, codes
    with app.app_context():
        checked = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "login_failed", AuditEntry.actor == "psyk.kbh"))
    serial = serial_checks(seconds, app.config.get("LOGIN_FREE_FAILURES", 3),
                           app.config.get("LOGIN_BACKOFF_BASE_S", 2))
    print(f"\n{PARALLEL} parallel wrong logins on gunicorn in {seconds:.1f} s: {checked} passwords "
          f"checked (serial guesses: {serial}), {codes.count(429)} answered 429")
    assert checked == codes.count(401) <= serial, (checked, serial, seconds)


def serial_checks(seconds, free, base):
    """Passwords one guesser checks, one attempt after another, within `seconds`: `free` at
    once, then one more after each back-off (base, 2 x base, ...). At load 10 the burst of 40
    took over 2 s, so a fourth check was as fair as a serial guesser's."""
    checks, waited, step = free, 0.0, base
    while waited + step <= seconds:
        waited, checks, step = waited + step, checks + 1, step * 2
    return checks
