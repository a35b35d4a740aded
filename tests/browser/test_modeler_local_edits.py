"""Issue 22 in Chromium: edits survive a reload, leaving warns, a file is imported, and a stale
proposal is moved onto the newer (only proposed) version and proposed on top of it.

FORLOB_EDITOR_BUNDLE=<dir> (tests/browser/conftest.py) serves a freshly built editor bundle in
place of the vendored one, to try webui/static/modeler/*.js before scripts/setup.sh rebuilds it.
"""
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from engine import modeling
from engine.models import DefinitionVersion
from tests.browser.helpers import WAIT_MS, login
from tests.browser.modeler_actions import open_editor, propose
from tests.web.pathway_setup import ensure_deployed
from webui.demo.seed import seed_organisations, seed_users
from webui.extensions import db

pytestmark = pytest.mark.browser


def _dated(text, rule, new):
    line = next(x for x in text.splitlines() if f'id="{rule}_date"' in x)
    old = line.split("<text>")[1].split("</text>")[0]
    return text.replace(line, line.replace(old, f'"{new}"'))


def _kept(page, version):
    """Wait until the editor has put its edits into local storage (polled: the page's CSP
    forbids the eval that wait_for_function needs)."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while time.monotonic() < deadline:
        if page.evaluate(f"localStorage.getItem('forlob-modeler-edits:{version}')"):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"the edits never reached local storage in {WAIT_MS / 1000:g} s")


@pytest.fixture
def base_version(app):
    app.config["WTF_CSRF_ENABLED"] = True
    with app.app_context():
        seed_organisations()
        seed_users()
        db.session.commit()
        ensure_deployed()
        return db.session.scalar(select(DefinitionVersion.id).where(DefinitionVersion.status == "current"))


def test_import_reload_keeps_the_edit_and_leaving_warns(app, live_server, page, base_version):
    login(page, live_server, "ejer")
    open_editor(page, live_server, base_version)
    with app.app_context():
        dmn = modeling.current_version(db.session).files["phase_in.dmn"]
    page.set_input_files("#import-file", files=[{"name": "phase_in.dmn", "mimeType": "application/xml",
                                                 "buffer": _dated(dmn, "rule_6", "2027-02-01").encode()}])
    expect(page.locator("#import-file-status")).to_contain_text("phase_in.dmn er importeret")
    expect(page.locator("[role=tab][data-file='phase_in.dmn'].dirty")).to_have_count(1)
    _kept(page, base_version)
    page.reload()
    page.wait_for_selector("#modeler-app[data-ready='1']")
    expect(page.locator("#editor-status")).to_contain_text("hentet frem")
    expect(page.locator("[role=tab][data-file='phase_in.dmn'].dirty")).to_have_count(1)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.type), d.dismiss()))
    page.close(run_before_unload=True)
    deadline = time.monotonic() + WAIT_MS / 1000  # the dialog is delivered asynchronously
    while not dialogs and time.monotonic() < deadline:
        page.wait_for_timeout(100)  # lets Playwright deliver events (a plain sleep would not)
    assert dialogs == ["beforeunload"], dialogs


def test_a_stale_proposal_moves_onto_the_proposed_version_and_goes_on_top(app, live_server, page, base_version):
    with app.app_context():
        base = modeling.current_version(db.session)
        dmn = base.files["phase_in.dmn"]
        theirs, _ = modeling.propose(db.session, base.id, {"phase_in.dmn": _dated(dmn, "rule_3", "2027-01-04")},
                                     "ejer2", note="Hovedstaden gruppe 3")
        db.session.commit()
        theirs_id = theirs.id
    login(page, live_server, "ejer")
    open_editor(page, live_server, base_version)
    page.set_input_files("#import-file", files=[{"name": "phase_in.dmn", "mimeType": "application/xml",
                                                 "buffer": _dated(dmn, "rule_6", "2027-02-01").encode()}])
    result = propose(page, "Midtjylland gruppe 3")
    expect(result).to_contain_text("venter på godkendelse")
    expect(result).to_contain_text("Rækkefølgen tæller")
    result.get_by_role("button", name=f"Flyt mine ændringer over på version {theirs_id}").click()
    page.wait_for_url(f"**/modeler/versions/{theirs_id}/edit")
    page.wait_for_selector("#modeler-app[data-ready='1']")
    expect(page.locator("#editor-status")).to_contain_text("hentet frem")
    result = propose(page, "Midtjylland gruppe 3")
    expect(result).to_contain_text("Foreslået som version", timeout=120_000)
    with app.app_context():
        ours = db.session.scalars(select(DefinitionVersion).order_by(DefinitionVersion.id.desc())).first()
        assert ours.base_version_id == theirs_id and '"2027-01-04"' in ours.files["phase_in.dmn"] \
            and '"2027-02-01"' in ours.files["phase_in.dmn"]
