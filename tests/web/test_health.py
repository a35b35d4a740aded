"""Liveness, readiness and the operators' metrics endpoint."""
from sqlalchemy import text

from engine import clock
from engine.runtime.heartbeat import WorkerHeartbeat, beat
from engine.sandbox import isolation
from tests.conftest import make_test_config
from webui import create_app
from webui.extensions import db
from webui.models import Organisation, User


def _user(username, roles):
    if db.session.get(Organisation, "region-hovedstaden") is None:
        db.session.add(Organisation(code="region-hovedstaden", name="Region Hovedstaden",
                                    kind="region", region="hovedstaden"))
    user = User(username=username, full_name=username, organisation_code="region-hovedstaden",
                roles_csv=roles)
    user.set_password("pw-123456")
    db.session.add(user)
    db.session.commit()


def _login(client, username):
    return client.post("/login", data={"username": username, "password": "pw-123456"})


def test_healthz_is_alive_without_the_database(database_url, tmp_path):
    broken = create_app(make_test_config("sqlite:///" + str(tmp_path / "no" / "such" / "dir.db")))
    response = broken.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_readyz_reports_dead_database(database_url, tmp_path):
    broken = create_app(make_test_config("sqlite:///" + str(tmp_path / "no" / "such" / "dir.db")))
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"].startswith("unreachable")


def test_readyz_is_the_web_node_alone_and_ignores_the_timer_worker(app, client):
    response = client.get("/readyz")  # no worker has ever beaten
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "ready" and body["checks"] == {
        "database": "ok", "migrations": "ok", "sandbox": "ok"}
    assert set(body["confinement"]) >= {"user", "landlock", "seccomp"}
    with app.app_context():
        beat(db.session, "host:2", clock.utcnow())
        db.session.get(WorkerHeartbeat, "host:2").state = "stopped"
        db.session.commit()
    assert client.get("/readyz").status_code == 200  # a stopped worker leaves web nodes in


def test_readyz_fails_when_the_nodes_sandbox_does_not_answer(app, client, monkeypatch):
    def broken(expression, data, extra=None):
        raise OSError("cannot start a sandbox worker")
    monkeypatch.setattr(isolation, "evaluate", broken)
    response = client.get("/readyz")
    assert response.status_code == 503, response.get_data(as_text=True)
    assert "OSError" in response.get_json()["checks"]["sandbox"]


def test_readyz_worker_needs_a_fresh_worker_heartbeat(app, client):
    response = client.get("/readyz/worker")
    assert response.status_code == 503, response.get_data(as_text=True)
    assert "heartbeat" in response.get_json()["checks"]["worker"]
    with app.app_context():
        old = clock.utcnow().replace(year=2020)
        beat(db.session, "old-host:1", old, now=old)
        db.session.commit()
    assert client.get("/readyz/worker").status_code == 503  # a stale beat does not count
    with app.app_context():
        beat(db.session, "host:2", clock.utcnow())
        db.session.commit()
    response = client.get("/readyz/worker")
    assert response.status_code == 200 and response.get_json()["checks"] == {"worker": "ok"}
    with app.app_context():
        db.session.get(WorkerHeartbeat, "host:2").state = "stopped"
        db.session.commit()
    assert client.get("/readyz/worker").status_code == 503  # a stopped worker does not count


def test_timer_worker_up_gauge_follows_the_heartbeat(app, client):
    app.config["METRICS_TOKEN"] = "scrape-secret-1234567890"

    def gauge():
        body = client.get("/metrics", headers={
            "Authorization": "Bearer scrape-secret-1234567890"}).get_data(as_text=True)
        return next(line for line in body.splitlines() if line.startswith("forlob_timer_worker_up "))
    assert gauge() == "forlob_timer_worker_up 0.0"
    with app.app_context():
        beat(db.session, "host:5", clock.utcnow())
        db.session.commit()
    assert gauge() == "forlob_timer_worker_up 1.0"


def test_readyz_reports_migrations_behind(app, client):
    with app.app_context():
        beat(db.session, "host:3", clock.utcnow())
        version = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        db.session.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        db.session.commit()
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert "0001" in response.get_json()["checks"]["migrations"]
        with app.app_context():  # a newer release migrated first: old code stays ready
            db.session.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
            db.session.commit()
        assert client.get("/readyz").get_json()["checks"]["migrations"] == "ok"
    finally:
        with app.app_context():
            db.session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": version})
            db.session.commit()


def test_metrics_are_for_operators_only(app, client):
    assert client.get("/metrics").status_code == 401
    with app.app_context():
        _user("kliniker", "regional_clinician")
        _user("admin", "administrator")
    _login(client, "kliniker")
    assert client.get("/metrics").status_code == 403
    client.post("/logout")
    _login(client, "admin")
    response = client.get("/metrics")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    for name in ("forlob_request_seconds_bucket", "forlob_timer_lag_seconds", "forlob_timers_due",
                 "forlob_pathways_parked", "forlob_conflicts_total",
                 "forlob_sandbox_violations_total", "forlob_click_seconds"):
        assert name in body, name
    assert 'route="/login"' in body


def test_metrics_scrape_token(app, client):
    app.config["METRICS_TOKEN"] = "s3cret-token-for-tests"
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    response = client.get("/metrics", headers={"Authorization": "Bearer s3cret-token-for-tests"})
    assert response.status_code == 200 and b"forlob_timers_due" in response.data


def test_request_id_is_returned_and_adopted(client):
    response = client.get("/healthz")
    assert len(response.headers["X-Request-ID"]) == 32
    response = client.get("/healthz", headers={"X-Request-ID": "lb-abcdef123"})
    assert response.headers["X-Request-ID"] == "lb-abcdef123"
    response = client.get("/healthz", headers={"X-Request-ID": "bad id <script>"})
    assert response.headers["X-Request-ID"] != "bad id <script>"
