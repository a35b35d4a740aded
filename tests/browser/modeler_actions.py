"""Browser actions on the process owner's editor, shared by the modeler's Chromium tests."""
from playwright.sync_api import expect

from engine.models import DefinitionVersion
from webui.extensions import db


def open_editor(page, base, version_id, filename="henvisning.bpmn"):
    """Open the editor on one file of a version and wait until it is drawn."""
    page.goto(f"{base}/modeler/versions/{version_id}/edit/{filename}")
    page.wait_for_selector("#modeler-app[data-ready='1']")


def pick(page, element_id):
    """Select a diagram element with the keyboard side form (the panel then shows it)."""
    page.select_option("#kb-element", element_id)
    page.click("button[data-kb=select]")


def open_group(page, title, panel="#bpmn-properties"):
    """Open a properties panel group by its title (if it is closed)."""
    header = page.locator(f"{panel} .bio-properties-panel-group-header", has_text=title).first
    if "open" not in (header.get_attribute("class") or ""):
        header.click()


def set_condition(page, flow_id, text):
    """Type a gateway condition in the panel and wait for the sandbox's verdict."""
    pick(page, flow_id)
    open_group(page, "Forløb")
    page.fill("#bio-properties-panel-forlob-condition", text)


def set_form_label(page, form_id, field_id, label):
    """Change one field's label in the form-js editor's own panel."""
    page.click(f"[data-file='forms/{form_id}.json']")
    page.wait_for_selector("#form-canvas .fjs-editor-container")
    page.locator(f"#form-canvas .fjs-element[data-id='{field_id}']").click()
    open_group(page, "General", panel="#form-canvas")
    page.locator("#form-canvas #bio-properties-panel-label").fill(label)
    # the panel hands the label to the form after a short debounce: wait for the form itself
    expect(page.locator(f"#form-canvas .fjs-element[data-id='{field_id}']")).to_contain_text(label)
    expect(page.locator(f"[role=tab][data-file='forms/{form_id}.json'].dirty")).to_have_count(1)


def propose(page, note):
    """Press "Foreslå som ny version" and return the result box once the server answered."""
    page.fill("#propose-note", note)
    page.click("#propose-button")
    page.wait_for_selector("#propose-result .flash:not(.flash-info)", timeout=60_000)
    return page.locator("#propose-result")


def version(app, version_id):
    """A fresh copy of one version row."""
    with app.app_context():
        row = db.session.get(DefinitionVersion, version_id)
        return {"id": row.id, "status": row.status, "files": dict(row.files)}
