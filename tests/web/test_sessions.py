"""Server-side sessions: logout kills the cookie, idle and absolute limits, ending all sessions."""
from datetime import timedelta

from engine.models import AuditEntry
from webui.extensions import db
from webui.models import User, UserSession, utcnow


def _cookie(client):
    return client.get_cookie("session").value


def _replay(client, value):
    client.set_cookie("session", value, domain="localhost")


def test_cookie_saved_before_logout_no_longer_works(client, auth):
    auth.login("psyk.kbh")
    saved = _cookie(client)
    assert client.get("/").status_code == 200
    auth.logout()
    _replay(client, saved)
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/patienter").status_code == 302


def test_replayed_cookie_in_a_fresh_client_is_refused(app, client, auth):
    auth.login("psyk.kbh")
    saved = _cookie(client)
    auth.logout()
    other = app.test_client()
    _replay(other, saved)
    assert other.get("/").status_code == 302


def _age_session(app, **delta):
    with app.app_context():
        row = db.session.scalar(db.select(UserSession).order_by(UserSession.id.desc()))
        if "idle" in delta:
            row.last_seen_at = utcnow() - delta["idle"]
        if "age" in delta:
            row.created_at = utcnow() - delta["age"]
            row.last_seen_at = utcnow()
        db.session.commit()


def test_idle_session_times_out(app, client, auth):
    auth.login("psyk.kbh")
    assert client.get("/").status_code == 200
    _age_session(app, idle=app.config["PERMANENT_SESSION_LIFETIME"] + timedelta(seconds=5))
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "udløbet" in client.get("/login").get_data(as_text=True)
    with app.app_context():
        row = db.session.scalar(db.select(UserSession).order_by(UserSession.id.desc()))
        assert row.end_reason == "idle" and row.ended_at is not None


def test_activity_keeps_the_session_alive(app, client, auth):
    auth.login("psyk.kbh")
    _age_session(app, idle=app.config["PERMANENT_SESSION_LIFETIME"] - timedelta(seconds=60))
    assert client.get("/").status_code == 200
    with app.app_context():
        row = db.session.scalar(db.select(UserSession).order_by(UserSession.id.desc()))
        assert utcnow() - row.last_seen_at.replace(tzinfo=utcnow().tzinfo) < timedelta(seconds=5)


def test_absolute_lifetime_ends_even_an_active_session(app, client, auth):
    auth.login("psyk.kbh")
    _age_session(app, age=timedelta(hours=app.config["SESSION_MAX_HOURS"], minutes=1))
    assert client.get("/").status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(UserSession.end_reason)
                                 .order_by(UserSession.id.desc())) == "absolute"


def test_administrator_ends_all_sessions_of_a_user(app, auth, demo_users):
    laptop, desktop, admin = app.test_client(), app.test_client(), app.test_client()
    for c in (laptop, desktop):
        c.post("/login", data={"username": "psyk.kbh", "password": "demo1234"})
        assert c.get("/").status_code == 200
    admin.post("/login", data={"username": "admin", "password": "demo1234"})
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "Afslut alle" in page
    with app.app_context():
        uid = db.session.scalar(db.select(User.id).filter_by(username="psyk.kbh"))
    response = admin.post(f"/admin/users/{uid}/end-sessions")
    assert response.status_code == 302
    assert "2 sessioner" in admin.get("/admin/users").get_data(as_text=True)
    assert laptop.get("/").status_code == 302 and desktop.get("/").status_code == 302
    assert admin.get("/admin/users").status_code == 200  # the administrator's own stays
    with app.app_context():
        assert db.session.scalar(db.select(AuditEntry.detail)
                                 .filter_by(action="end_sessions")) == "user=psyk.kbh ended=2"


def test_only_administrators_end_sessions(app, client, auth):
    auth.login("psyk.kbh")
    assert client.post("/admin/users/1/end-sessions").status_code == 403


def test_cli_ends_all_sessions(app, client, auth, runner):
    auth.login("rus.kbh")
    result = runner.invoke(args=["users", "end-sessions", "rus.kbh"])
    assert result.exit_code == 0 and "ended 1 session(s)" in result.output
    assert client.get("/").status_code == 302
    assert runner.invoke(args=["users", "end-sessions", "nobody"]).exit_code != 0


def test_session_token_is_stored_hashed(app, client, auth):
    auth.login("psyk.kbh")
    with client.session_transaction() as session:
        token = session["sid"]
    with app.app_context():
        hashes = db.session.scalars(db.select(UserSession.token_hash)).all()
    assert token not in hashes and len(hashes) == 1
