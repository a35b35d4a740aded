"""Browser actions shared by the Chromium tests: log in, fill a form-js form, open tasks."""
from pathlib import Path

from forms.registry import load_form
from webui.demo.filler import answers
from webui.demo.seed import DEMO_PASSWORD

# How long an action or an expect() may wait for the state it needs (it returns as soon as the
# state is there). Generous: at a load average of 8 on two cores a page's scripts, a server
# round trip or the editor's bundle can take many seconds; Playwright's expect() waits 5 s
# unless told otherwise (tests/browser/conftest.py tells it this).
WAIT_MS = 30_000


def serve_editor_bundle(target, directory):
    """Serve the editor bundle built into `directory` (`node scripts/vendor.mjs --editor-into DIR`)
    in place of the vendored one: the entry and its chunks (page or context `target`)."""
    directory = Path(directory)
    target.route("**/vendor/modeler/editor.bundle.js",
                 lambda route: route.fulfill(path=directory / "editor.bundle.js", content_type="text/javascript"))
    target.route("**/vendor/modeler/chunks/*.js",
                 lambda route: route.fulfill(path=directory / "chunks" / route.request.url.rsplit("/", 1)[1],
                                             content_type="text/javascript"))


def login(page, base, username):
    """Log in through the login form and land on the worklist."""
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(base + "/")


def fill_form(page, form_id, overrides=None):
    """Fill every field of a task form with valid answers (some chosen by the caller)."""
    values = answers(form_id, overrides)
    for field in load_form(form_id).fields:
        key, kind, value = field["key"], field["type"], values[field["key"]]
        fill_field(page, key, kind, value)


def _check_options(page, key, values):
    """Tick the named options of a radio group or checklist."""
    for v in values:
        page.check(f"input[name='{key}'][value='{v}']")


# form-js type → how the browser enters a value
FILLERS = {
    "radio": lambda page, key, value: _check_options(page, key, [value]),
    "checklist": lambda page, key, value: _check_options(page, key, value),
    "checkbox": lambda page, key, value: page.set_checked(f"input[name='{key}']", bool(value)),
    "select": lambda page, key, value: page.select_option(f"select[name='{key}']", str(value)),
}


def fill_field(page, key, kind, value):
    """Enter one value the way a user would (fields the server left out are skipped)."""
    found = page.locator(f"[name='{key}']")
    if found.count() == 0:  # e.g. the tovholder's organisation, which follows from the tovholder
        return
    if kind not in FILLERS and found.first.evaluate("e => e.tagName") == "SELECT":
        kind = "select"  # the server turned a text field into a choice of real values
    handler = FILLERS.get(kind)
    if handler:
        handler(page, key, value)
    else:
        page.fill(f"[name='{key}']", str(value))


def open_task(page, title):
    """Open a task from the patient page's open-task list."""
    page.locator("#open-tasks").get_by_role("link", name=title).click()
    page.wait_for_selector("#task-form")


def complete(page):
    """Press "Afslut opgave" and wait for the patient page."""
    page.get_by_role("button", name="Afslut opgave").click()
    page.wait_for_selector("#phase")
