"""A database outage is a static Danish 503 page; a committed submit is answered as stored."""
import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from engine.models import Pathway
from tests.conftest import make_test_config
from tests.web import pathway_setup as setup
from webui import create_app
from webui.demo.filler import answers
from webui.extensions import db


class Outage:
    """Make every statement on the app's engine fail as a lost connection does, once `down`."""

    def __init__(self, app):
        with app.app_context():
            self.engine = db.engine
        self.down = False
        event.listen(self.engine, "before_cursor_execute", self._fail)

    def _fail(self, *_args):
        if self.down:
            raise OperationalError("SELECT 1", {}, ConnectionError("server closed the connection"))

    def close(self):
        event.remove(self.engine, "before_cursor_execute", self._fail)


@pytest.fixture
def outage(app):
    down = Outage(app)
    yield down
    down.close()


def _is_outage_page(response):
    body = response.get_data(as_text=True)
    assert response.status_code == 503, body[:2000]
    assert response.headers["Retry-After"] == "30"
    assert "Forløb er midlertidigt utilgængeligt" in body and 'lang="da"' in body, body[:2000]
    assert "Internal Server Error" not in body


def test_an_unreachable_database_gets_the_static_danish_page(database_url, tmp_path):
    broken = create_app(make_test_config("sqlite:///" + str(tmp_path / "no" / "such" / "dir.db")))
    client = broken.test_client()
    assert client.get("/login").status_code == 200  # the login form itself needs no database
    _is_outage_page(client.post("/login", data={"username": "psyk.kbh", "password": "x"}))
    assert client.get("/healthz").status_code == 200  # liveness never needs the database


def test_a_logged_in_user_gets_the_static_page_when_the_database_goes(app, client, auth, outage):
    with app.app_context():
        patient_id = setup.refer().patient_id
    auth.login("psyk.kbh")
    assert client.get(f"/patienter/{patient_id}").status_code == 200
    outage.down = True
    _is_outage_page(client.get(f"/patienter/{patient_id}"))
    _is_outage_page(client.get("/"))
    outage.down = False
    assert client.get(f"/patienter/{patient_id}").status_code == 200  # back by itself


def test_a_submit_whose_commit_succeeded_is_answered_as_stored(app, client, auth, outage,
                                                                monkeypatch):
    with app.app_context():
        pathway = setup.to_opstart()
        item = setup.item_for(pathway.id, "audit")
        ids = pathway.id, pathway.patient_id, item.task_id, pathway.lock_version
    auth.login("psyk.kbh")
    real_commit = db.session.commit

    def commit_then_lose_the_connection():
        real_commit()
        outage.down = True  # everything after the commit fails
    monkeypatch.setattr(db.session, "commit", commit_then_lose_the_connection)
    response = client.post(f"/forloeb/{ids[0]}/opgaver/{ids[2]}", data={
        "action": "complete", "lock_version": ids[3], **answers("audit")})
    outage.down = False
    monkeypatch.undo()
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert response.headers["Location"].endswith(f"/patienter/{ids[1]}")
    with app.app_context():
        assert db.session.get(Pathway, ids[0]).lock_version > ids[3]  # stored
        assert all(i.form_id != "audit" for i in setup.open_items(ids[0]))
