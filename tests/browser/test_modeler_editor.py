"""The process owner's editor in Chromium: panels, validation, scenarios, four eyes, rollback.

The five journeys of issue 9. Every change is made in the editor's panels (never XML); the
server side is the real one (validation, scenarios on a throw-away database, proposals).
"""
import json
import os
import re
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from engine import service
from engine.definitions import proposals
from engine.models import DefinitionVersion, Pathway
from scenarios.catalogue import load_all
from tests.browser.helpers import WAIT_MS, login
from tests.browser.modeler_actions import open_editor, open_group, pick, propose, set_condition, set_form_label, version
from tests.web.pathway_setup import ensure_deployed, item_for, refer
from webui.commands.migration_lane import MigrationLane
from webui.demo.seed import seed_organisations, seed_users
from webui.extensions import db
from webui.models import ValidationJob

pytestmark = pytest.mark.browser
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(autouse=True)
def worker_lane(app):
    """The timer worker's owner lane, as `flask engine worker` runs it: "Valider" queues a
    background validation job and polls it, so something must run the job."""
    stopping = threading.Event()
    lane = MigrationLane(app, stopping, idle_wait=0.2).start()
    yield lane
    stopping.set()
    lane.join(timeout=30)


@pytest.fixture
def base_version(app):
    """Demo users (two process owners) and the repository's pathway deployed as version 1."""
    app.config["WTF_CSRF_ENABLED"] = True  # the editor's JSON posts carry the token in a header
    with app.app_context():
        seed_organisations()
        seed_users()
        db.session.commit()
        ensure_deployed()
        return db.session.scalar(select(DefinitionVersion.id).where(
            DefinitionVersion.status == "current"))


def test_edit_condition_and_label_validate_propose_and_second_owner_approves(
        app, live_server, page, base_version, browser):
    with app.app_context():
        old_pathway = refer(cpr="0101901235").id
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, live_server, "ejer")
    open_editor(page, live_server, base_version)

    set_condition(page, "Flow_henvisning_12", "visitation_decision ==")  # typing: not done yet
    error = page.locator("#bpmn-properties .bio-properties-panel-error")
    expect(error).to_contain_text("Udtrykket kan ikke bruges")  # checked while typing
    marked = page.locator(".djs-element.expr-error[data-element-id='Flow_henvisning_12']")
    expect(marked).to_have_count(1)
    set_condition(page, "Flow_henvisning_12",
                  "visitation_decision in ('afvist', 'afvist_anden', 'videresendt')")
    expect(error).to_have_count(0)
    expect(page.locator(".djs-element.expr-error")).to_have_count(0)
    set_form_label(page, "visitation", "Field_18", "Noter fra visitationskonferencen")
    old_purpose = page.input_value("#g-purpose")
    page.fill("#g-purpose", "At afklare hurtigt og sammen, om patienten hører til her.")

    page.click("#validate-button")
    page.wait_for_selector("#validate-result .flash-success", timeout=60_000)
    assert page.locator("#validate-result .scenario-ok").count() >= 1
    with app.app_context():  # the scenarios ran as a background job, not in the request
        assert db.session.scalar(select(ValidationJob.status)) == "done"
    result = propose(page, "Afvisning med to koder; tydeligere notefelt")
    assert "skal godkende" in result.inner_text()
    new_id = int(page.locator("#modeler-app").get_attribute("data-proposed"))
    assert version(app, new_id)["status"] == "proposed"
    assert not errors, errors

    page.get_by_role("button", name="Log ud").click()
    login(page, live_server, "ejer2")
    page.goto(f"{live_server}/modeler/versions/{new_id}")
    page.click("#approve-button")
    page.wait_for_load_state()
    assert version(app, new_id)["status"] == "current"
    files = version(app, new_id)["files"]
    assert "visitation_decision in ('afvist', 'afvist_anden', 'videresendt')" \
        in files["henvisning.bpmn"]
    assert "Noter fra visitationskonferencen" in files["forms/visitation.json"]
    form = json.loads(files["forms/visitation.json"])
    assert form["x-forlob"]["sections"]["purpose"].startswith("At afklare hurtigt")
    assert old_purpose not in files["forms/visitation.json"]  # its text component follows
    assert 'name="form" value="visitation"' in files["henvisning.bpmn"].replace("'", '"')

    with app.app_context():
        new_pathway = refer(cpr="0202902342", name="Nina Ny")
        assert new_pathway.version_id == new_id
        assert db.session.get(Pathway, old_pathway).version_id == base_version
        new_task = item_for(new_pathway.id, "visitation").task_id
        old_task = item_for(old_pathway, "visitation").task_id
    page.get_by_role("button", name="Log ud").click()
    login(page, live_server, "psyk.kbh")
    page.goto(f"{live_server}/forloeb/{new_pathway.id}/opgaver/{new_task}")
    assert page.get_by_label("Noter fra visitationskonferencen").count() == 1
    assert "At afklare hurtigt" in page.locator(".guide [data-section=purpose]").text_content()
    page.goto(f"{live_server}/forloeb/{old_pathway}/opgaver/{old_task}")
    assert page.get_by_label("Bemærkninger til visitationen").count() == 1


def test_removing_the_tovholder_task_is_blocked_by_a_named_scenario(
        app, live_server, page, base_version):
    login(page, live_server, "ejer")
    open_editor(page, live_server, base_version)
    pick(page, "indskrivning")
    page.click("button[data-kb=delete]")  # bpmn-js joins the flows before and after it
    expect(page.locator("#kb-element option[value='indskrivning']")).to_have_count(0)
    result = propose(page, "Uden tovholder")
    text = result.inner_text()
    assert "fejler" in text
    failed = page.locator("#propose-result .scenario-failed")
    assert failed.count() >= 1
    assert "trin" in failed.first.inner_text()
    titles = [s["title"] for s in load_all()]
    assert any(title in failed.first.inner_text() for title in titles)  # named, as written
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(DefinitionVersion)) == 1


def test_second_owner_from_the_same_base_is_refused_and_shown_the_first_diff(
        app, live_server, page, base_version):
    """ejer2's proposal from version 1 lands (through the facade, as ejer2's own editor would
    send it) while ejer is still editing version 1; ejer's proposal is then refused."""
    login(page, live_server, "ejer")
    open_editor(page, live_server, base_version)
    set_condition(page, "Flow_henvisning_14", "phase_in_date > iso(today()) and True")

    with app.app_context():
        files = version(app, base_version)["files"]
        first = files["henvisning.bpmn"].replace("visitation_decision in ('afvist', 'videresendt')",
                                                 "visitation_decision in ('videresendt', 'afvist')")
        proposals.propose(db.session, base_version, {"henvisning.bpmn": first}, "ejer2",
                          note="Første ændring")
        db.session.commit()

    refused = propose(page, "Anden ændring")
    assert refused.locator(".flash-error").count() == 1
    assert "nyere version" in refused.inner_text().lower() and "venter på godkendelse" in refused.inner_text()
    assert "ejer2" in refused.inner_text() and "Første ændring" in refused.inner_text()
    diff = refused.locator("table.diff-table")
    assert diff.count() == 1
    assert "visitation_decision in ('videresendt', 'afvist')" in diff.inner_text()  # the first
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(DefinitionVersion)) == 2


def test_rollback_makes_the_old_content_current(app, live_server, page, base_version):
    with app.app_context():
        old = version(app, base_version)["files"]
        changed = old["henvisning.bpmn"].replace("visitation_decision in ('afvist', 'videresendt')",
                                                 "visitation_decision in ('videresendt', 'afvist')")
        newer, _ = proposals.propose(db.session, base_version, {"henvisning.bpmn": changed},
                                     "ejer", note="newer", four_eyes=False)
        db.session.commit()
        newer = newer.id
    login(page, live_server, "ejer")
    open_editor(page, live_server, base_version)  # an editor on an old version says so
    expect(page.locator("#not-current")).to_contain_text(f"Version {newer} er den aktuelle")
    page.goto(f"{live_server}/modeler/versions/{base_version}")
    page.check("#rollback-confirm")  # the rollback asks for a confirmation first
    page.click("#rollback-button")
    page.wait_for_load_state()
    assert page.locator(".flash-success").count() == 1
    assert version(app, base_version)["status"] == "current"
    assert version(app, newer)["status"] == "superseded"
    with app.app_context():
        pathway = refer(cpr="0303903457", name="Rolf Rul")
        files = version(app, pathway.version_id)["files"]
        assert files["henvisning.bpmn"] == old["henvisning.bpmn"]


def test_phase_in_date_changed_in_the_dmn_editor_reaches_the_next_referral(
        app, live_server, page, base_version):
    app.config["FOUR_EYES"] = False  # a single-person test site: the proposal becomes current
    login(page, live_server, "ejer")
    open_editor(page, live_server, base_version, "phase_in.dmn")
    page.wait_for_selector("#dmn-canvas .tjs-table")
    # hovedstaden, group 1 is the first rule; its output cell holds the date
    cell = page.locator("#dmn-canvas tbody tr").first.locator("td.output-cell")
    assert cell.inner_text().strip() == '"2024-09-01"'
    cell.click()
    page.keyboard.press("Control+A")
    page.keyboard.type('"2099-01-01" +')  # half typed: the sandbox refuses it at once
    expect(page.locator("#dmn-problems")).to_contain_text("Udtrykket kan ikke bruges")
    expect(page.locator("#dmn-canvas td.cell-error")).to_have_count(1)
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    expect(page.locator("#dmn-canvas td.cell-error")).to_have_count(0)
    page.locator("#propose-note").click()  # leave the cell

    page.fill("#new-form-id", "samtale_paaroerende")  # a new form joins the same proposal
    page.click("#new-form-button")
    page.wait_for_selector("#form-canvas .fjs-editor-container")
    page.fill("#g-title", "Samtale med pårørende")
    page.fill("#g-purpose", "At inddrage de pårørende.")
    page.click("[data-file='overgang.bpmn']")  # a new form must be shown by a task
    page.wait_for_selector("#modeler-app[data-open='overgang.bpmn']")
    pick(page, "overgang_experience")
    open_group(page, "Forløb")
    page.select_option("#bio-properties-panel-forlob-form", "samtale_paaroerende")
    result = propose(page, "Hovedstaden udskyder gruppe 1")
    assert "gældende" in result.inner_text()
    new_id = int(page.locator("#modeler-app").get_attribute("data-proposed"))
    form = json.loads(version(app, new_id)["files"]["forms/samtale_paaroerende.json"])
    assert form["x-forlob"]["title"] == "Samtale med pårørende"
    assert form["x-forlob"]["sections"]["purpose"] == "At inddrage de pårørende."
    with app.app_context():
        pathway = refer(cpr="0404904562", name="Dorte Dato", contacts=("psykiatri",))
        data = service.pathway_data(db.session, pathway.id)
        assert data["group"] == 1
        assert data["phase_in_date"] == "2099-01-01"
        assert data["guarantee_from"] == "2099-01-01"  # the 14 days count from the phase-in


def test_palette_and_side_form_work_with_the_keyboard_alone(app, live_server, page, base_version):
    login(page, live_server, "ejer")
    open_editor(page, live_server, base_version)
    page.focus("#kb-element")
    page.keyboard.press("End")  # the list holds every element; pick one by keyboard
    page.select_option("#kb-element", "visitation")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # "Vælg og vis egenskaber"
    expect(page.locator("#bpmn-properties")).to_contain_text("Visitation")

    page.focus("#bpmn-canvas")
    for _ in range(30):  # Tab reaches the palette, named in Danish
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('aria-label')") == "Opret opgave":
            break
    else:
        pytest.fail("the palette's 'Opret opgave' was not reached by Tab")
    before = page.locator(".djs-shape[data-element-id^='Activity_']").count()
    page.keyboard.press("Enter")  # adds a task after the selected element, connected
    expect(page.locator(".djs-shape[data-element-id^='Activity_']")).to_have_count(before + 1)
    expect(page.locator("#bpmn-properties")).to_contain_text("Opgave")

    page.focus("#kb-kind")
    page.select_option("#kb-kind", "userTask")
    page.keyboard.press("Tab")
    page.keyboard.type("Samtale med pårørende")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # "Tilføj efter og forbind"
    expect(page.locator("#keyboard-form [role=status]")).to_contain_text("tilføjet og forbundet")
    expect(page.locator("#bpmn-properties")).to_contain_text("Samtale med pårørende")
    page.click("#validate-button")  # our bpmnlint rule: a user task needs a form
    expect(page.locator("#validate-result")).to_contain_text("Brugeropgaven har ingen formular",
                                                             timeout=60_000)
    problem = page.locator("#validate-result li", has_text="Brugeropgaven har ingen formular")
    element_id = problem.first.locator("button").inner_text().split(", ")[-1]
    expect(page.locator(f".djs-element.problem[data-element-id='{element_id}']")).to_have_count(1)
    pick(page, "visitation")
    problem.first.locator("button").focus()
    page.keyboard.press("Enter")  # a problem leads to its element
    expect(page.locator("#bpmn-properties")).to_contain_text("Samtale med pårørende")


SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def test_editor_fits_desktop_and_phone(app, live_server, browser, base_version, tmp_path):
    """No sideways scrolling at either width; FORLOB_SCREENSHOTS=1 writes docs/screenshots/."""
    shots = DOCS if os.environ.get("FORLOB_SCREENSHOTS") == "1" else tmp_path
    for size, viewport in SIZES.items():
        context = browser.new_context(locale="da-DK", viewport=viewport)
        context.set_default_timeout(WAIT_MS)
        page = context.new_page()
        problems = []
        page.on("console", lambda msg, seen=problems: msg.type == "error" and seen.append(msg.text))
        login(page, live_server, "ejer")
        open_editor(page, live_server, base_version)
        pick(page, "visitation")
        open_group(page, "Forløb")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), size
        page.screenshot(path=str(shots / f"editor-{size}.png"), full_page=size == "desktop")
        if size == "desktop":
            page.click("[data-file='phase_in.dmn']")
            page.wait_for_selector("#dmn-canvas .tjs-table")
            page.locator("#pane-dmn").screenshot(path=str(shots / "editor-dmn-desktop.png"))
            page.click("[data-file='forms/stabil_vurdering.json']")
            page.wait_for_selector("#form-canvas .fjs-editor-container")
            page.click("#preview-button")
            page.wait_for_selector("#preview .guide")
            assert "Kriterier" in page.locator("#preview").inner_text()
            page.locator("#pane-form").screenshot(path=str(shots / "editor-form-desktop.png"))
        context.close()
        assert problems == [], problems  # no script or CSP errors


def test_a_misspelt_name_is_flagged_while_typing_with_a_suggestion(live_server, page, base_version):
    login(page, live_server, "ejer")
    open_editor(page, live_server, base_version)
    set_condition(page, "Flow_henvisning_12", "visitations_decision in ('afvist', 'videresendt')")
    error = page.locator("#bpmn-properties .bio-properties-panel-error")
    expect(error).to_contain_text("mente du `visitation_decision`?")
    expect(page.locator(".djs-element.expr-error[data-element-id='Flow_henvisning_12']")).to_have_count(1)
    page.click("#validate-button")
    result = page.locator("#validate-result")
    expect(result).to_contain_text("problem(er) fundet", timeout=60_000)
    expect(result).not_to_contain_text("0 problem(er)")
    expect(result).to_contain_text("visitations_decision")


def test_a_file_is_removed_from_the_proposal_and_restored(live_server, page, base_version):
    login(page, live_server, "ejer")
    open_editor(page, live_server, base_version)
    page.fill("#new-form-id", "kladde_formular")
    page.click("#new-form-button")
    page.wait_for_selector("#form-canvas .fjs-editor-container")
    page.click("#remove-file-button")  # made in this page: simply dropped
    expect(page.locator("[data-file='forms/kladde_formular.json']")).to_have_count(0)
    expect(page.locator("#remove-file-status")).to_contain_text("fjernet fra siden")
    page.click("[data-file='forms/patient_oplevelse.json']")
    page.wait_for_selector("#modeler-app[data-open='forms/patient_oplevelse.json']")
    page.click("#remove-file-button")
    tab = page.locator("[data-file='forms/patient_oplevelse.json']")
    expect(tab).to_have_class(re.compile("removed"))
    result = propose(page, "uden patientens oplevelse")  # a task still shows the form: refused
    expect(result).to_contain_text("problem(er) fundet")
    expect(result).to_contain_text("patient_oplevelse")
    tab.click()  # undo
    expect(tab).not_to_have_class(re.compile("removed"))
    expect(page.locator("#remove-file-status")).to_contain_text("med igen")


PALETTE_TYPES = {"textfield", "textarea", "number", "datetime", "checkbox", "checklist", "radio", "select",
                 "taglist", "text", "html", "separator", "spacer", "group"}


def test_every_field_type_of_the_palette_is_added_by_keyboard_and_proposed(app, live_server, page, base_version):
    login(page, live_server, "ejer")
    open_editor(page, live_server, base_version)
    page.click("[data-file='forms/patient_oplevelse.json']")
    page.wait_for_selector("#form-canvas .fjs-palette-field")
    offered = page.eval_on_selector_all("#form-canvas .fjs-palette-field", "els => els.map(e => e.dataset.fieldType)")
    assert set(offered) == PALETTE_TYPES  # only what the task page can show and store
    for kind in offered:
        page.focus(f"#form-canvas .fjs-palette-field[data-field-type='{kind}']")
        page.keyboard.press("Enter")  # form-js adds the field at the end of the form
    result = propose(page, "alle felttyper")
    expect(result).not_to_contain_text("problem")
    new_id = int(page.locator("#modeler-app").get_attribute("data-proposed"))
    form = json.loads(version(app, new_id)["files"]["forms/patient_oplevelse.json"])
    added = form["components"][-len(offered):]
    assert [c["type"] for c in added] == offered
    date = next(c for c in added if c["type"] == "datetime")
    assert "label" not in date and date["dateLabel"]  # form-js writes only dateLabel
