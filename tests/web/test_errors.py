"""Friendly Danish error pages; a 500 rolls the transaction back."""
import pytest
from flask import abort

from engine.errors import Conflict
from tests.conftest import make_test_config
from webui import create_app
from webui.extensions import db
from webui.models import Organisation


@pytest.fixture
def failing_app(database_url):
    """An app with extra routes that fail in known ways."""

    app = create_app(make_test_config(database_url))

    @app.get("/boom")
    def boom():
        db.session.add(Organisation(code="kommune-boom", name="Boom", kind="municipality",
                                    region="hovedstaden"))
        db.session.flush()
        raise RuntimeError("something broke")

    @app.get("/forbidden")
    def forbidden():
        abort(403)

    @app.get("/conflict")
    def conflict():
        raise Conflict("stale")

    return app


def test_404_page_is_friendly_and_danish(client):
    response = client.get("/findes-ikke")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Siden findes ikke" in body and "Traceback" not in body


def test_403_page(failing_app):
    response = failing_app.test_client().get("/forbidden")
    assert response.status_code == 403 and "Ingen adgang" in response.get_data(as_text=True)


def test_engine_conflict_becomes_409_page(failing_app):
    response = failing_app.test_client().get("/conflict")
    assert response.status_code == 409
    assert "afsluttet opgaven før dig" in response.get_data(as_text=True)


def test_500_rolls_back_and_hides_details(failing_app):
    response = failing_app.test_client().get("/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Der opstod en fejl" in body and "something broke" not in body
    with failing_app.app_context():
        assert db.session.get(Organisation, "kommune-boom") is None
