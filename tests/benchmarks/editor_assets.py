"""Benchmark: what the process owner's editor page transfers on a cold load, and how fast it is ready.

    .venv/bin/python -m tests.benchmarks.editor_assets [--browser] [--json]

Through the whole Flask app (test client), logged in as a process owner: GET the editor page,
then every stylesheet and script it names, as a browser that accepts brotli and gzip would.
Prints `raw_bytes` (uncompressed), `transferred_bytes` (what goes over the wire), each asset's
caching header, and `server_s` (first, cold compression included). With --browser, a headless
Chromium loads the page from a live server and `ready_s` is the time until the editor says it is
ready (#modeler-app[data-ready]), cold cache. Targets (issue 22): under 800 KB and 1.5 s.
"""
import argparse
import atexit
import json
import os
import re
import shutil
import tempfile
import threading
import time

from playwright.sync_api import sync_playwright
from sqlalchemy import select
from werkzeug.serving import make_server

from engine.models import DefinitionVersion
from tests.benchmarks.worklist_web import _database
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.helpers import login
from tests.conftest import make_test_config
from tests.web.pathway_setup import ensure_deployed
from webui import create_app
from webui.demo.seed import seed_organisations, seed_users
from webui.extensions import db

ASSET = re.compile(r'<(?:link rel="stylesheet" href|script src)="([^"]+)"')


def _app():
    if "FORLOB_INSTANCE_PATH" not in os.environ:
        instance = tempfile.mkdtemp(prefix="forlob-instance-")
        atexit.register(shutil.rmtree, instance, ignore_errors=True)
        os.environ["FORLOB_INSTANCE_PATH"] = instance
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    url, cleanup = _database("sqlite")
    atexit.register(cleanup)
    create_app({"SQLALCHEMY_DATABASE_URI": url, "AUTO_MIGRATE": True, "TESTING": True})
    app = create_app(make_test_config(url))
    with app.app_context():
        seed_organisations()
        seed_users()
        db.session.commit()
        ensure_deployed()
        version = db.session.scalar(select(DefinitionVersion.id).where(DefinitionVersion.status == "current"))
    return app, f"/modeler/versions/{version}/edit"


def measure_transfer(app, path):
    """{raw_bytes, transferred_bytes, server_s, assets: [{url, raw, sent, cache}]}."""
    client = app.test_client()
    client.post("/login", data={"username": "ejer", "password": "demo1234"})
    started = time.perf_counter()
    page = client.get(path, headers={"Accept-Encoding": "br, gzip"})
    html = page.get_data()
    assets, raw, sent = [], len(html), len(html)
    for url in ASSET.findall(html.decode("utf-8")):
        answer = client.get(url, headers={"Accept-Encoding": "br, gzip"})
        body = answer.get_data()
        plain = client.get(url, headers={"Accept-Encoding": "identity"}).get_data()
        assets.append({"url": url, "raw": len(plain), "sent": len(body),
                       "encoding": answer.headers.get("Content-Encoding", "identity"),
                       "cache": answer.headers.get("Cache-Control", "")})
        raw += len(plain)
        sent += len(body)
    return {"raw_bytes": raw, "transferred_bytes": sent, "server_s": round(time.perf_counter() - started, 3),
            "assets": assets}


def measure_ready(app, path):
    """Seconds until the editor is ready in a cold headless Chromium."""
    server = make_server("localhost", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://localhost:{server.server_port}"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_context().new_page()  # a fresh context: cold cache
            bundle = os.environ.get("FORLOB_EDITOR_BUNDLE")
            if bundle:  # a freshly built bundle, as in the browser tests
                page.route("**/vendor/modeler/editor.bundle.js", lambda route: route.fulfill(path=bundle))
            login(page, base, "ejer")
            started = time.perf_counter()
            page.goto(base + path)
            page.wait_for_selector("#modeler-app[data-ready='1']", timeout=60_000)
            ready = time.perf_counter() - started
            browser.close()
            return round(ready, 3)
    finally:
        server.shutdown()


def main():
    """Print the figures (see the module docstring)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--browser", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    app, path = _app()
    result = measure_transfer(app, path)
    if args.browser:
        result["ready_s"] = measure_ready(app, path)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for asset in result["assets"]:
        print(f"{asset['sent']:>9} / {asset['raw']:>9} B  {asset['encoding']:<8} {asset['cache']:<40} {asset['url']}")
    print(f"raw_bytes={result['raw_bytes']} transferred_bytes={result['transferred_bytes']} "
          f"server_s={result['server_s']}" + (f" ready_s={result['ready_s']}" if "ready_s" in result else ""))


if __name__ == "__main__":
    main()
