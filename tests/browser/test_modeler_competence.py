"""The competence a user task needs, chosen in the modeler's properties panel (routing, issue 24).

The panel field is in webui/static/modeler/properties.js; scripts/setup.sh builds it into the
served bundle. To try a change before that bundle is rebuilt, build one elsewhere and set
FORLOB_EDITOR_BUNDLE to its directory (tests/browser/conftest.py).
"""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import login
from tests.browser.modeler_actions import open_editor, open_group, pick, propose, version
from tests.browser.test_modeler_editor import base_version  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser
FIELD = "#bio-properties-panel-forlob-competence"


def test_a_task_gets_its_competence_in_the_panel_and_the_proposal_keeps_it(
        app, live_server, page, base_version):  # noqa: F811
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, live_server, "ejer")
    open_editor(page, live_server, base_version, "opstart.bpmn")
    pick(page, "opstart_medicine")
    open_group(page, "Forløb")
    expect(page.locator(FIELD)).to_have_value("pharmacology")   # read from the BPMN property
    pick(page, "opstart_audit")
    open_group(page, "Forløb")
    expect(page.locator(FIELD)).to_have_value("")
    page.select_option(FIELD, "screening")
    result = propose(page, "AUDIT kræver kompetence i screening")
    assert "skal godkende" in result.inner_text()
    new_id = int(page.locator("#modeler-app").get_attribute("data-proposed"))
    files = version(app, new_id)["files"]
    audit_task = files["opstart.bpmn"].split('id="opstart_audit"')[1].split("</bpmn:userTask>")[0]
    assert 'name="competence" value="screening"' in audit_task.replace("'", '"')
    assert not errors, errors
