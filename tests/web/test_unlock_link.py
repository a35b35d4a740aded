"""The unlock link: a real user gets in from a fresh browser whatever a stranger guesses."""
import re

import pytest
from sqlalchemy import func, select

from engine.models import AuditEntry
from webui.extensions import db
from webui.models import UnlockLink, User

GOOD = "demo1234"


@pytest.fixture
def throttled(app, demo_users):
    app.config.update(RATELIMIT_ENABLED=True, LOGIN_FREE_FAILURES=3, LOGIN_BACKOFF_BASE_S=30,
                      LOGIN_BACKOFF_CAP_S=300, LOGIN_SPRAY_USERNAMES=5, UNLOCK_BAD_PER_ADDRESS=4)
    return app


def _login(client, username, password, address):
    return client.post("/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def _stranger_guesses(app, username="psyk.kbh"):
    for i, address in enumerate(("203.0.113.1", "203.0.113.2", "203.0.113.3") * 3):
        _login(app.test_client(), username, f"guess{i}", address)


def _issue_link(app, username="psyk.kbh"):
    """An administrator issues the link through the users page; the path it shows."""
    admin = app.test_client()
    assert _login(admin, "admin", GOOD, "10.9.9.9").status_code == 302
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == username))
    page = admin.post(f"/admin/users/{user_id}/unlock-link")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    url = re.search(r'id="unlock-url">([^<]+)<', page.get_data(as_text=True)).group(1)
    return url[url.index("/login/oplaas/"):]


def _count(app, action):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == action))


def test_fresh_browser_gets_in_through_the_link_while_a_stranger_guesses(throttled):
    _stranger_guesses(throttled)
    fresh = throttled.test_client()
    assert _login(fresh, "psyk.kbh", GOOD, "10.0.0.7").status_code == 429  # the problem
    path = _issue_link(throttled)
    assert _count(throttled, "unlock_link_issued") == 1
    page = fresh.get(path, environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    assert 'value="psyk.kbh"' in page.get_data(as_text=True)
    done = fresh.post(path, data={"password": GOOD}, environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert done.status_code == 302 and fresh.get("/").status_code == 200
    assert _count(throttled, "login_unlocked") == 1
    # one login only; but the browser now holds the device cookie, so it stays trusted
    fresh.post("/logout")
    assert fresh.get(path).status_code == 404
    _stranger_guesses(throttled)
    assert _login(fresh, "psyk.kbh", GOOD, "10.0.0.7").status_code == 302


def test_the_link_is_no_password_and_has_its_own_small_budget(throttled):
    path = _issue_link(throttled)
    holder = throttled.test_client()
    for _ in range(5):
        assert holder.post(path, data={"password": "wrong"}).status_code == 401
    # the budget is spent: even the right password no longer passes through it
    assert holder.post(path, data={"password": GOOD}).status_code == 404
    assert holder.get("/").status_code == 302
    assert _count(throttled, "login_unlocked") == 0
    with throttled.app_context():
        assert db.session.scalar(select(UnlockLink.used_at)) is not None


def test_a_new_link_revokes_the_old_and_links_are_rationed(throttled):
    first = _issue_link(throttled)
    second = _issue_link(throttled)
    browser = throttled.test_client()
    assert browser.get(first).status_code == 404
    assert browser.get(second).status_code == 200
    for _ in range(3):
        _issue_link(throttled)
    admin = throttled.test_client()
    _login(admin, "admin", GOOD, "10.9.9.9")
    with throttled.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == "psyk.kbh"))
    refused = admin.post(f"/admin/users/{user_id}/unlock-link", follow_redirects=True)
    assert "for mange oplåsningslinks" in refused.get_data(as_text=True)
    assert _count(throttled, "unlock_link_issued") == 5


def test_guessing_links_is_audited_and_slowed_per_address(throttled):
    guesser = throttled.test_client()
    for i in range(4):
        answer = guesser.get(f"/login/oplaas/guess{i}", environ_base={"REMOTE_ADDR": "203.0.113.5"})
        assert answer.status_code == 404
    slowed = guesser.get("/login/oplaas/guess9", environ_base={"REMOTE_ADDR": "203.0.113.5"})
    assert slowed.status_code == 429 and int(slowed.headers["Retry-After"]) > 0
    assert _count(throttled, "unlock_refused") == 4
    # another address with a real link is not affected
    path = _issue_link(throttled)
    assert throttled.test_client().get(path, environ_base={"REMOTE_ADDR": "10.0.0.8"}).status_code == 200


def test_only_administrators_issue_links(app, client, demo_users):
    assert _login(client, "psyk.kbh", GOOD, "10.0.0.7").status_code == 302
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == "rus.kbh"))
    assert client.post(f"/admin/users/{user_id}/unlock-link").status_code == 403
    assert _count(app, "unlock_link_issued") == 0


def test_cli_prints_a_working_link_and_refuses_unknown_users(app, runner, demo_users):
    result = runner.invoke(args=["users", "unlock-link", "psyk.kbh", "--base-url", "https://x.dk/"])
    assert result.exit_code == 0, result.output
    url = result.output.splitlines()[0]
    assert url.startswith("https://x.dk/login/oplaas/")
    browser = app.test_client()
    assert browser.post(url[len("https://x.dk"):], data={"password": GOOD}).status_code == 302
    bad = runner.invoke(args=["users", "unlock-link", "nobody"])
    assert bad.exit_code != 0 and "no such active user" in bad.output
