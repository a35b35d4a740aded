"""Login throttling: guessing gets slower, but a stranger cannot lock anyone out."""
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine.models import AuditEntry
from tests.conftest import make_test_config
from webui import create_app
from webui.auth.throttle import wait_seconds
from webui.extensions import db
from webui.models import LoginFailure, utcnow

GOOD = "demo1234"


@pytest.fixture
def throttled(app, demo_users):
    app.config.update(RATELIMIT_ENABLED=True, LOGIN_FREE_FAILURES=3, LOGIN_BACKOFF_BASE_S=30,
                      LOGIN_BACKOFF_CAP_S=300, LOGIN_SPRAY_USERNAMES=5)
    return app


def _login(client, username, password, address="127.0.0.1"):
    return client.post("/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def _known_device(app, username, address):
    """A browser where the user has logged in before (it holds a device cookie)."""
    browser = app.test_client()
    assert _login(browser, username, GOOD, address).status_code == 302
    browser.post("/logout")
    return browser


def test_guessing_one_account_backs_off(throttled):
    attacker = throttled.test_client()
    for _ in range(3):
        assert _login(attacker, "psyk.kbh", "bad", "203.0.113.9").status_code == 401
    slowed = _login(attacker, "psyk.kbh", GOOD, "203.0.113.9")
    assert slowed.status_code == 429
    assert int(slowed.headers["Retry-After"]) > 0
    assert "Vent" in slowed.get_data(as_text=True)


def test_backoff_doubles_and_ends(throttled):
    with throttled.test_request_context():
        def add(n, ago):
            for _ in range(n):
                db.session.add(LoginFailure(username="x", source="198.51.100.1",
                                            at=utcnow() - ago, trusted=False))
            db.session.commit()
        add(3, timedelta(seconds=0))
        first = wait_seconds("x", "198.51.100.2", False)
        add(1, timedelta(seconds=0))
        assert 25 <= first <= 30 and 55 <= wait_seconds("x", "198.51.100.2", False) <= 60
        db.session.query(LoginFailure).update({"at": utcnow() - timedelta(minutes=16)})
        db.session.commit()
        assert wait_seconds("x", "198.51.100.2", False) == 0


def test_real_user_logs_in_while_a_stranger_guesses(throttled):
    nurse = _known_device(throttled, "psyk.kbh", "10.0.0.5")
    attacker = throttled.test_client()
    for _ in range(12):
        _login(attacker, "psyk.kbh", "bad", "203.0.113.9")
    assert _login(attacker, "psyk.kbh", GOOD, "203.0.113.9").status_code == 429
    assert _login(nurse, "psyk.kbh", GOOD, "10.0.0.5").status_code == 302
    assert nurse.get("/").status_code == 200


def test_colleagues_behind_the_same_address_are_not_locked_out(throttled):
    shared = "10.1.1.1"  # the hospital's NAT address
    colleague = _known_device(throttled, "rus.kbh", shared)
    owner = _known_device(throttled, "psyk.kbh", shared)
    attacker = throttled.test_client()
    for name in ("psyk.kbh", "rus.kbh", "admin", "ejer", "leder", "a", "b", "c"):
        for _ in range(3):
            _login(attacker, name, "Sommer2026", shared)
    assert _login(attacker, "tovholder.kbh", GOOD, shared).status_code == 429  # spraying caught
    assert _login(colleague, "rus.kbh", GOOD, shared).status_code == 302
    assert _login(owner, "psyk.kbh", GOOD, shared).status_code == 302


def test_spraying_across_accounts_is_slowed(throttled):
    sprayer = throttled.test_client()
    for name in ("a1", "a2", "a3", "a4", "a5"):
        assert _login(sprayer, name, "Sommer2026", "203.0.113.7").status_code == 401
    assert _login(sprayer, "a6", "Sommer2026", "203.0.113.7").status_code == 429
    assert _login(throttled.test_client(), "a6", "x", "203.0.113.8").status_code == 401


def test_a_forged_device_cookie_earns_no_trust(throttled):
    forger = throttled.test_client()
    forger.set_cookie("forlob_device", "WyJwc3lrLmtiaCJd.forged.sig", domain="localhost")
    for _ in range(3):
        _login(forger, "psyk.kbh", "bad", "203.0.113.9")
    assert _login(forger, "psyk.kbh", GOOD, "203.0.113.9").status_code == 429


def test_a_trusted_browser_backs_off_on_its_own_failures(throttled):
    nurse = _known_device(throttled, "psyk.kbh", "10.0.0.5")
    for _ in range(3):
        assert _login(nurse, "psyk.kbh", "typo", "10.0.0.5").status_code == 401
    assert _login(nurse, "psyk.kbh", GOOD, "10.0.0.5").status_code == 429


def test_throttled_attempt_is_audited(throttled):
    attacker = throttled.test_client()
    for _ in range(5):
        _login(attacker, "psyk.kbh", "bad", "203.0.113.9")
    with throttled.app_context():
        actions = db.session.scalars(db.select(AuditEntry.action)).all()
    assert "login_throttled" in actions and actions.count("login_failed") == 3


def test_throttling_off_by_config(client, demo_users):
    for _ in range(7):
        _login(client, "psyk.kbh", "bad")
    assert _login(client, "psyk.kbh", GOOD).status_code == 302


def test_client_address_from_trusted_proxies(database_url, demo_users):
    proxied = create_app(make_test_config(database_url, TRUSTED_PROXIES=1))
    client = proxied.test_client()
    client.post("/login", data={"username": "psyk.kbh", "password": "bad"},
                headers={"X-Forwarded-For": "6.6.6.6, 192.0.2.44"},
                environ_base={"REMOTE_ADDR": "10.0.0.1"})
    direct = create_app(make_test_config(database_url))
    direct.test_client().post("/login", data={"username": "psyk.kbh", "password": "bad"},
                              headers={"X-Forwarded-For": "192.0.2.55"},
                              environ_base={"REMOTE_ADDR": "10.0.0.2"})
    with proxied.app_context():
        sources = db.session.scalars(db.select(AuditEntry.source).filter_by(action="login_failed")
                                   .order_by(AuditEntry.id)).all()
    # one trusted proxy: its X-Forwarded-For's last hop; none: the header is ignored
    assert sources == ["192.0.2.44", "10.0.0.2"]


def test_parallel_guesses_get_no_more_checks_than_serial_ones(throttled):
    """40 simultaneous wrong logins: at most LOGIN_FREE_FAILURES passwords are checked."""
    start = threading.Barrier(40)

    def guess(_):
        browser = throttled.test_client()
        start.wait()
        return _login(browser, "psyk.kbh", "bad", "203.0.113.7").status_code

    with ThreadPoolExecutor(max_workers=40) as pool:
        codes = list(pool.map(guess, range(40)))
    assert codes.count(401) <= 3 and codes.count(401) + codes.count(429) == 40, codes
    with throttled.app_context():
        checked = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "login_failed"))
        kept = db.session.scalar(select(func.count()).select_from(LoginFailure))
    assert checked == codes.count(401) and kept == checked  # refused attempts leave no row


def test_one_persons_typos_do_not_slow_the_ward(throttled):
    """Behind one NAT address, a colleague's many typos on their own name cost others nothing."""
    with throttled.app_context():  # 12 typos over the last 14 minutes, waiting out each back-off
        for minute in range(12):
            db.session.add(LoginFailure(username="rus.kbh", source="10.1.1.1", trusted=False,
                                        at=utcnow() - timedelta(minutes=14 - minute)))
        db.session.commit()
    colleague = throttled.test_client()  # a fresh browser on the same ward
    assert _login(colleague, "psyk.kbh", GOOD, "10.1.1.1").status_code == 302
