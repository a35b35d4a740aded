"""Web-test helpers: demo organisations and users, an `auth` login helper, and the current
version (`base`)."""
import pytest

from engine import service
from tests.web.pathway_setup import ensure_deployed
from webui.demo.seed import DEMO_PASSWORD, seed_organisations, seed_users
from webui.extensions import db


@pytest.fixture
def demo_users(app):
    """The demo organisations and one login per role (password demo1234)."""
    with app.app_context():
        seed_organisations()
        seed_users()
        db.session.commit()
    return app


class AuthActions:
    """Log a test client in and out as one of the demo users."""

    def __init__(self, client):
        self.client = client

    def login(self, username, password=DEMO_PASSWORD):
        """Post the login form; return the response (not followed)."""
        response = self.client.post("/login", data={"username": username, "password": password})
        assert response.status_code == 302, f"login as {username} failed: {response.status_code}"
        return response

    def logout(self):
        """Post the logout form."""
        return self.client.post("/logout")


@pytest.fixture
def auth(client, demo_users):
    """Login helper bound to the test client, with the demo users in place."""
    return AuthActions(client)


@pytest.fixture
def base(app):
    """(id, files) of the current pathway version, deployed if need be."""
    with app.app_context():
        ensure_deployed()
        version = service.current_version(db.session)
        return version.id, dict(version.files)
