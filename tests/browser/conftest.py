"""A live server in a thread and a real Chromium driven by Playwright."""
import os
import shutil
import threading

import pytest
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from tests.browser.helpers import WAIT_MS, serve_editor_bundle

CHROMIUM = os.environ.get("FORLOB_CHROMIUM", "/usr/bin/chromium")
expect.set_options(timeout=WAIT_MS)  # Playwright's default for expect() is 5 s
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture
def live_server(app):
    """Serve the test app on a free localhost port for the test's duration."""
    server = make_server("localhost", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}; scripts/test.sh installs it",
                    pytrace=False)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser context and page, Danish by default."""
    context = browser.new_context(locale="da-DK", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    if os.environ.get("FORLOB_EDITOR_BUNDLE"):
        # a worktree shares the built vendor tree: serve an editor bundle built elsewhere, the
        # directory of `node scripts/vendor.mjs --editor-into DIR`
        serve_editor_bundle(context, os.environ["FORLOB_EDITOR_BUNDLE"])
    page = context.new_page()
    yield page
    context.close()
