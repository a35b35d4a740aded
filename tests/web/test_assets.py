"""Static assets: hashed URLs, compressed, cached for a year; the editor under 800 KB cold (issue 22)."""
import gzip
from pathlib import Path

import brotli
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
    assert all("immutable" in a["cache"] for a in result["assets"]), result["assets"]
    assert result["transferred_bytes"] < 800_000, result["transferred_bytes"]
