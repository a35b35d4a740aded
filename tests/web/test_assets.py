"""Static assets: hashed URLs, compressed, cached for a year; the editor under 800 KB cold (issue 22)."""
import gzip
import json
from pathlib import Path

import brotli
import pytest
from sqlalchemy import select

from engine.models import DefinitionVersion
from tests.benchmarks.editor_assets import measure_transfer
from tests.web.pathway_setup import ensure_deployed
from webui.extensions import db

STATIC = Path(__file__).resolve().parents[2] / "webui" / "static"


def test_a_hashed_asset_is_compressed_and_cached_for_a_year(client):
    page = client.get("/login").get_data(as_text=True)
    url = page.split('<link rel="stylesheet" href="')[1].split('"')[0]
    assert url.startswith("/assets/") and url.endswith("/app.css")
    raw = (STATIC / "app.css").read_bytes()
    br = client.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert br.headers["Content-Encoding"] == "br" and brotli.decompress(br.get_data()) == raw
    assert br.headers["Cache-Control"] == "public, max-age=31536000, immutable" and "Accept-Encoding" in br.headers["Vary"]
    gz = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip" and gzip.decompress(gz.get_data()) == raw
    plain = client.get(url, headers={"Accept-Encoding": ""})
    assert "Content-Encoding" not in plain.headers and plain.get_data() == raw
    assert len(br.get_data()) < len(raw) / 2


def test_an_outdated_digest_is_served_uncached_and_nothing_outside_static(client):
    stale = client.get("/assets/0000000000000000/app.css")
    assert stale.status_code == 200 and stale.headers["Cache-Control"] == "no-cache"
    assert client.get("/assets/0000000000000000/../webui/__init__.py").status_code == 404
    assert client.get("/assets/0000000000000000/nothing.js").status_code == 404


def test_the_editor_transfers_under_800_kb_on_a_cold_load(app, demo_users):
    with app.app_context():
        ensure_deployed()
        version = db.session.scalar(select(DefinitionVersion.id).where(DefinitionVersion.status == "current"))
    result = measure_transfer(app, f"/modeler/versions/{version}/edit")
    bundle = next(a for a in result["assets"] if a["url"].endswith("editor.bundle.js"))
    assert bundle["encoding"] == "br" and "immutable" in bundle["cache"]
    files = [a for a in result["assets"] if a["url"].startswith("/assets/")]
    assert all("immutable" in a["cache"] for a in files), result["assets"]
    # the version's files, fetched as the editor starts, are counted and compressed too
    data = next(a for a in result["assets"] if a["url"].startswith("/modeler/api/versions/"))
    assert data["encoding"] == "br" and data["sent"] < data["raw"] / 5
    assert result["transferred_bytes"] < 800_000, result["transferred_bytes"]


def test_a_chunk_named_by_its_content_is_cached_for_a_year_under_the_bundles_digest(client):
    """The split editor bundle imports its chunks relative to its own hashed URL."""
    chunks = sorted((STATIC / "vendor" / "modeler" / "chunks").glob("*.js"))
    if not chunks:
        pytest.skip("the editor bundle is not built (node scripts/vendor.mjs)")
    path = chunks[0].relative_to(STATIC).as_posix()
    answer = client.get(f"/assets/0123456789abcdef/{path}", headers={"Accept-Encoding": "br"})
    assert answer.status_code == 200 and answer.headers["Cache-Control"].endswith("immutable")
    assert brotli.decompress(answer.get_data()) == chunks[0].read_bytes()
    plain = client.get("/assets/0123456789abcdef/vendor/modeler/editor.css-like.js")
    assert plain.status_code == 404


def test_the_editors_version_answer_is_compressed(app, client, demo_users, auth):
    with app.app_context():
        ensure_deployed()
        version = db.session.scalar(select(DefinitionVersion.id).where(DefinitionVersion.status == "current"))
    auth.login("ejer")
    packed = client.get(f"/modeler/api/versions/{version}", headers={"Accept-Encoding": "gzip, br"})
    plain = client.get(f"/modeler/api/versions/{version}")
    assert packed.headers["Content-Encoding"] == "br" and "Accept-Encoding" in packed.headers["Vary"]
    assert json.loads(brotli.decompress(packed.get_data())) == plain.get_json()
    assert "Content-Encoding" not in plain.headers and len(packed.get_data()) < len(plain.get_data()) / 5
