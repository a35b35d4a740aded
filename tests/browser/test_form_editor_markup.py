"""Chromium: markup in a stored form never becomes DOM in the form editor (issue 21, item 7).

The editor bundle is built from this checkout's sources (esbuild, ~3 s) and served in place of
the vendored one, so the test checks the code under review, not an older build.
"""
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.models import DefinitionVersion
from tests.browser.helpers import login, serve_editor_bundle
from tests.browser.modeler_actions import open_editor
from tests.web.pathway_setup import ensure_deployed
from webui.demo.seed import seed_organisations, seed_users
from webui.extensions import db

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
HOSTILE = "Læs dette <img src=x id=planted onerror=\"window.__planted=1\"> **fed**"


@pytest.fixture(scope="module")
def fresh_bundle(tmp_path_factory):
    """The editor bundle (entry and chunks) built from the current sources (skipped without node and esbuild)."""
    if shutil.which("node") is None or not (ROOT / "node_modules" / "esbuild").exists():
        pytest.skip("node and esbuild are needed to build the editor bundle")
    out = tmp_path_factory.mktemp("bundle")
    subprocess.run(["node", str(ROOT / "scripts" / "vendor.mjs"), "--editor-into", str(out)],  # noqa: S603,S607
                   check=True, timeout=120, cwd=ROOT)
    return out


@pytest.fixture
def planted(app):
    """The current version's form holding markup in a text and an html component, as a version
    stored before the rule (the server refuses such a form today)."""
    app.config["WTF_CSRF_ENABLED"] = True
    with app.app_context():
        seed_organisations()
        seed_users()
        db.session.commit()
        ensure_deployed()
        version = db.session.scalar(select(DefinitionVersion).where(DefinitionVersion.status == "current"))
        files = dict(version.files)
        form = json.loads(files["forms/stabil_vurdering.json"])
        form["components"][0]["text"] = HOSTILE
        form["components"].insert(1, {"type": "html", "id": "Html_1", "content": HOSTILE})
        files["forms/stabil_vurdering.json"] = json.dumps(form, ensure_ascii=False)
        version.files = files
        db.session.commit()
        return version.id


def test_markup_in_a_form_is_shown_as_text_never_inserted(live_server, page, planted, fresh_bundle):
    serve_editor_bundle(page, fresh_bundle)
    login(page, live_server, "ejer")
    open_editor(page, live_server, planted, "forms/stabil_vurdering.json")
    canvas = page.locator("#form-canvas")
    canvas.locator(".forlob-plain-text").first.wait_for()
    assert canvas.locator("img").count() == 0
    assert canvas.locator(".forlob-plain-text", has_text="<img src=x").count() == 2
    page.click("#preview-button")
    page.wait_for_selector("#preview .guide")
    preview = page.locator("#preview")
    assert preview.locator("img").count() == 0 and "<img src=x" in preview.inner_text()
    assert page.evaluate("window.__planted === undefined && !document.getElementById('planted')")


def test_the_preview_keeps_only_allowed_markup(live_server, page, planted):
    login(page, live_server, "ejer")
    page.goto(f"{live_server}/modeler/")
    kept = page.evaluate("""async () => {
        const { safeFragment } = await import('/static/modeler/safe-dom.js');
        const box = document.createElement('div');
        box.appendChild(safeFragment('<p class="a" onclick="window.__planted=1">ok <strong>fed</strong></p>'
            + '<img src=x onerror="window.__planted=1"><script>window.__planted=1</script>'
            + '<a href="javascript:alert(1)">x</a><a href="/hjem">y</a><svg><g/></svg><!-- c -->'));
        return [box.innerHTML, window.__planted === undefined];
    }""")
    html, clean = kept
    assert clean and '<p class="a">ok <strong>fed</strong></p>' in html
    assert "img" not in html and "script" not in html and "onclick" not in html and "svg" not in html
    assert '<a>x</a>' in html and '<a href="/hjem">y</a>' in html
