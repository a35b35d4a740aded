"""The health endpoint checks the database."""


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_dead_database(database_url, tmp_path):
    from tests.conftest import make_test_config
    from webui import create_app
    broken = create_app(make_test_config("sqlite:///" + str(tmp_path / "no" / "such" / "dir.db")))
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"
