"""A process owner edits a diagram in the bpmn-js modeler and deploys it as a new version."""
import pytest
from sqlalchemy import func, select

from engine.models import DefinitionVersion
from tests.browser.helpers import login
from tests.web.pathway_setup import ensure_deployed
from webui.demo.seed import seed_organisations, seed_users
from webui.extensions import db

pytestmark = pytest.mark.browser


def test_modeler_loads_and_deploys_a_new_version(app, live_server, page):
    app.config["WTF_CSRF_ENABLED"] = True  # the JSON deploy carries the token in a header
    with app.app_context():
        seed_organisations()
        seed_users()
        db.session.commit()
        ensure_deployed()
        version_id = db.session.scalar(select(func.max(DefinitionVersion.id)))
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, live_server, "ejer")
    page.goto(f"{live_server}/modeler/versions/{version_id}/edit/stabil.bpmn")
    page.wait_for_selector("#modeler-canvas[data-ready='1']")
    assert page.locator("#modeler-canvas .djs-element").count() > 10  # the diagram is drawn
    page.fill("#deploy-note", "browser test")
    page.click("#deploy-button")
    page.wait_for_selector("#deploy-result .flash-success")
    assert not errors, errors
    with app.app_context():
        newest = db.session.scalars(
            select(DefinitionVersion).order_by(DefinitionVersion.id.desc())).first()
        assert newest.id != version_id and newest.note == "browser test"
