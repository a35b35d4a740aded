"""Log in and out: hashed passwords, throttling, idle timeout, cookie flags, CSRF."""

from datetime import timedelta

import pytest

from engine.models import AuditEntry
from tests.conftest import make_test_config
from webui import create_app
from webui.config import build_config
from webui.extensions import db
from webui.models import User
from webui.passwords import hash_password


def test_login_page_is_danish(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "Log ind" in response.get_data(as_text=True)


def test_anonymous_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_good_login_lands_on_worklist(client, auth):
    response = auth.login("psyk.kbh")
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Arbejdsliste" in page and "Pia Psykiatri" in page


def test_wrong_password_is_refused(client, demo_users):
    response = client.post("/login", data={"username": "psyk.kbh", "password": "wrong"})
    assert response.status_code == 401
    assert "Forkert brugernavn eller adgangskode" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_unknown_user_and_inactive_user_are_refused(app, client, demo_users):
    assert client.post("/login", data={"username": "nobody", "password": "x"}).status_code == 401
    with app.app_context():
        db.session.scalar(db.select(User).filter_by(username="rus.kbh")).active = False
        db.session.commit()
    assert client.post("/login", data={"username": "rus.kbh",
                                       "password": "demo1234"}).status_code == 401


def test_password_is_stored_hashed(app, demo_users):
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(username="psyk.kbh"))
        assert "demo1234" not in user.password_hash
        assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))
        assert user.check_password("demo1234") and not user.check_password("demo12345")


def test_next_parameter_stays_on_site(client, demo_users):
    ok = client.post("/login?next=/admin/users", data={"username": "admin", "password": "demo1234"})
    assert ok.headers["Location"] == "/admin/users"
    client.post("/logout")
    evil = client.post("/login?next=https://evil.example/x",
                       data={"username": "admin", "password": "demo1234"})
    assert evil.headers["Location"] == "/"


def test_logout_ends_the_session(client, auth):
    auth.login("psyk.kbh")
    assert client.get("/").status_code == 200
    assert auth.logout().status_code == 302
    assert client.get("/").status_code == 302


def test_logout_needs_post(client, auth):
    auth.login("psyk.kbh")
    assert client.get("/logout").status_code == 405


def test_session_cookie_flags(database_url, demo_users):
    secure = create_app(make_test_config(database_url, SESSION_COOKIE_SECURE=True))
    client = secure.test_client()
    response = client.post("/login", data={"username": "psyk.kbh", "password": "demo1234"},
                           base_url="https://localhost")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
    assert "Expires=" in cookie  # a permanent session with the idle lifetime


def test_default_config_has_secure_cookies(app, monkeypatch):
    monkeypatch.delenv("FORLOB_INSECURE_COOKIES", raising=False)
    config = build_config(app.instance_path)
    assert config["SESSION_COOKIE_SECURE"] is True and config["REMEMBER_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] and config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["PERMANENT_SESSION_LIFETIME"] == timedelta(minutes=30)


def test_csrf_rejects_posts_without_token(database_url, demo_users):
    guarded = create_app(make_test_config(database_url, WTF_CSRF_ENABLED=True))
    client = guarded.test_client()
    response = client.post("/login", data={"username": "psyk.kbh", "password": "demo1234"})
    assert response.status_code == 400
    assert "Formularen er udløbet" in response.get_data(as_text=True)
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    ok = client.post("/login", data={"username": "psyk.kbh", "password": "demo1234",
                                     "csrf_token": token})
    assert ok.status_code == 302


def test_logins_and_failures_are_audited(app, client, auth):
    client.post("/login", data={"username": "psyk.kbh", "password": "bad"})
    auth.login("psyk.kbh")
    auth.logout()
    with app.app_context():
        rows = [(e.actor, e.action, e.source) for e in db.session.scalars(
            db.select(AuditEntry).order_by(AuditEntry.id))]
    assert rows == [("psyk.kbh", "login_failed", "127.0.0.1"), ("psyk.kbh", "login", "127.0.0.1"),
                    ("psyk.kbh", "logout", "127.0.0.1")]


def test_security_headers_and_no_caching_of_patient_pages(client, auth):
    anonymous = client.get("/login")
    assert "script-src 'self'" in anonymous.headers["Content-Security-Policy"]
    assert anonymous.headers["X-Frame-Options"] == "DENY"
    assert anonymous.headers["X-Content-Type-Options"] == "nosniff"
    auth.login("psyk.kbh")
    assert client.get("/").headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("url", ["/patienter/1", "/henvisning", "/admin/audit", "/modeler/",
                                 "/overblik/", "/forloeb/1/opgaver/x"])
def test_anonymous_users_are_sent_to_login_and_back(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_production_hashes_with_scrypt_and_tests_use_a_cheap_method(app):
    assert "PASSWORD_HASH_METHOD" not in build_config(app.instance_path)  # production: scrypt
    assert hash_password("demo1234").startswith("scrypt:")  # outside an app: the default
    with app.app_context():
        cheap = hash_password("demo1234")
        assert cheap.startswith("pbkdf2:") and User(password_hash=cheap).check_password("demo1234")
