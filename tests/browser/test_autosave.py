"""Typing in a task form saves a draft in the background (CSRF on, as in production)."""
import pytest
from playwright.sync_api import expect

from engine.models import TaskDraft
from tests.browser.helpers import login
from tests.web import pathway_setup as setup
from webui.demo.seed import seed_organisations, seed_users
from webui.extensions import db

pytestmark = pytest.mark.browser


def test_typing_is_saved_as_a_draft_in_the_background(app, live_server, page):
    app.config.update(WTF_CSRF_ENABLED=True, AUTOSAVE_SECONDS=1)
    with app.app_context():
        seed_organisations()
        seed_users()
        db.session.commit()
        pathway = setup.refer()
        item = setup.item_for(pathway.id, "visitation")
        pathway_id, task_id = pathway.id, item.task_id
    login(page, live_server, "psyk.kbh")
    page.goto(f"{live_server}/forloeb/{pathway_id}/opgaver/{task_id}")
    page.fill("textarea[name='visitation_note']", "Samtale aftalt med patienten.")
    expect(page.locator("#autosave-status")).to_contain_text("gemt automatisk")  # within WAIT_MS (conftest)
    with app.app_context():
        draft = db.session.get(TaskDraft, (pathway_id, task_id))
        assert draft.data["visitation_note"] == "Samtale aftalt med patienten."
    page.reload()
    assert page.input_value("textarea[name='visitation_note']") == "Samtale aftalt med patienten."
