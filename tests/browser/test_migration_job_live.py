"""Chromium: a running migration job's page updates in place; it never reloads, focus stays."""
import pytest
from playwright.sync_api import expect

from engine import modeling, service
from tests.browser.helpers import login
from tests.web.pathway_setup import ensure_deployed, refer
from webui.demo.seed import seed_organisations, seed_users
from webui.extensions import db


@pytest.fixture
def job(app):
    """A running job migrating two referred pathways to a relabelled version; its id."""
    with app.app_context():
        seed_organisations()
        seed_users()
        db.session.commit()
        ensure_deployed()
        ids = [refer(cpr=cpr).id for cpr in ("0101901235", "0202902345")]
        files = {n: t.encode() for n, t in service.latest_version(db.session).files.items()}
        files["henvisning.bpmn"] = files["henvisning.bpmn"].replace(
            b'name="Visitation"', b'name="Visitation v2"', 1)
        target = service.deploy_bundle(db.session, files, "ejer")
        job = modeling.create_job(db.session, target.id, "ejer", pathway_ids=ids)
        db.session.commit()
        return job.id


def _batch(app, size):
    with app.app_context():
        assert modeling.run_batch(db.session, db.session.commit, batch=size) == size


def test_running_job_updates_in_place_and_keeps_focus(live_server, app, job, page):
    login(page, live_server, "ejer")
    page.clock.install()                 # the page polls every 5 s: the test moves the clock
    page.goto(f"{live_server}/modeler/migrations/jobs/{job}")
    page.evaluate("window.notReloaded = true")
    expect(page.locator("#job-status")).to_contain_text("I gang")
    page.get_by_role("button", name="Sæt på pause").focus()

    _batch(app, 1)                        # the worker migrates one of two
    page.clock.run_for(5_500)
    expect(page.locator("#job-progress dd").first).to_have_text("1")    # Migreret
    assert page.evaluate("document.activeElement.textContent.trim()") == "Sæt på pause"
    assert page.evaluate("window.notReloaded") is True

    _batch(app, 1)                        # the last one: the job is done
    page.clock.run_for(5_500)
    expect(page.locator("#job-status")).to_contain_text("Gennemført")
    assert page.evaluate("window.notReloaded") is True
    expect(page.get_by_role("button", name="Sæt på pause")).to_have_count(0)
