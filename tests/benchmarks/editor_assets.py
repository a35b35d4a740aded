"""Benchmark: what the process owner's editor page transfers on a cold load, and how fast it is ready.

    .venv/bin/python -m tests.benchmarks.editor_assets [--browser] [--json]

Through the whole Flask app (test client), logged in as a process owner: GET the editor page,
then every stylesheet, script and module preload it names, as a browser that accepts brotli and
gzip would. Prints `raw_bytes` (uncompressed), `transferred_bytes` (what goes over the wire), each
asset's caching header, and `server_s` (first, cold compression included). dmn-js and the form-js
editor are chunks loaded only when a decision table or form is opened, so they are not counted.

With --browser, a headless Chromium (fresh profile: cold cache) loads the page from a live
server. `ready_s` runs from navigation until the BPMN editor is usable: the page says it is ready
(#modeler-app[data-ready], set after the diagram is imported and fitted), the canvas holds the
diagram's shapes and the palette, and the properties panel shows the process. It is checked
interactive afterwards (a click on a task selects it). `browser_bytes` is what Chromium received
over the network up to then (encoded body sizes, the version's files from the API included).
Targets (issue 22): under 800 KB and 1.5 s. `--runs N` repeats the browser load (median printed).
"""
import argparse
import atexit
import json
import os
import re
import shutil
import statistics
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

ASSET = re.compile(r'<(?:link rel="(?:stylesheet|modulepreload)"[^>]*? href|script (?:type="module" )?src)="([^"]+)"')
READY = """() => {
  const app = document.getElementById("modeler-app");
  return app && app.dataset.ready === "1"
    && document.querySelectorAll("#bpmn-canvas .djs-shape").length > 5
    && document.querySelector("#bpmn-canvas .djs-palette .entry") !== null
    && document.querySelector("#bpmn-properties .bio-properties-panel-header") !== null;
}"""


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
    """{raw_bytes, transferred_bytes, server_s, assets: [{url, raw, sent, cache}]}.

    The assets are what the page names plus the version's files, which the editor fetches as it
    starts (/modeler/api/versions/<id>, not cached: a fresh answer each visit).
    """
    client = app.test_client()
    client.post("/login", data={"username": "ejer", "password": "demo1234"})
    started = time.perf_counter()
    page = client.get(path, headers={"Accept-Encoding": "br, gzip"})
    html = page.get_data()
    assets, raw, sent = [], len(html), len(html)
    version = path.split("/versions/")[1].split("/")[0]
    for url in [*ASSET.findall(html.decode("utf-8")), f"/modeler/api/versions/{version}"]:
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


def measure_ready(app, path, runs=1):
    """(median seconds until the editor is ready, bytes received) over `runs` cold loads."""
    server = make_server("localhost", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://localhost:{server.server_port}"
    times, received = [], []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            for _ in range(runs):
                context = browser.new_context()  # a fresh context: cold cache
                page = context.new_page()
                login(page, base, "ejer")
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                sizes, urls = [], {}
                cdp.on("Network.responseReceived", lambda event, urls=urls: urls.__setitem__(event["requestId"], event["response"]["url"]))
                cdp.on("Network.loadingFinished", lambda event, sizes=sizes: sizes.append((event["requestId"], event["encodedDataLength"])))
                started = time.perf_counter()
                page.goto(base + path)
                page.wait_for_function(READY, timeout=60_000, polling=20)
                times.append(time.perf_counter() - started)
                received.append(sum(size for _, size in sizes))
                if os.environ.get("FORLOB_BENCH_VERBOSE"):
                    for request, size in sizes:
                        print(f"{size:>9} B  {urls.get(request, request)}")
                _check_interactive(page)
                context.close()
            browser.close()
    finally:
        server.shutdown()
    return round(statistics.median(times), 3), int(statistics.median(received))


def _check_interactive(page):
    """A click on a user task selects it and the properties panel follows (not timed)."""
    task = page.locator("#bpmn-canvas .djs-element[data-element-id]").filter(
        has=page.locator(".djs-visual rect")).nth(1)
    element_id = task.get_attribute("data-element-id")
    task.click()
    page.wait_for_function(
        "id => document.querySelector('#bpmn-canvas .djs-element.selected')?.dataset.elementId === id", arg=element_id)


def main():
    """Print the figures (see the module docstring)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--browser", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    app, path = _app()
    result = measure_transfer(app, path)
    if args.browser:
        result["ready_s"], result["browser_bytes"] = measure_ready(app, path, args.runs)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for asset in result["assets"]:
        print(f"{asset['sent']:>9} / {asset['raw']:>9} B  {asset['encoding']:<8} {asset['cache']:<40} {asset['url']}")
    print(f"raw_bytes={result['raw_bytes']} transferred_bytes={result['transferred_bytes']} "
          f"server_s={result['server_s']}"
          + (f" ready_s={result['ready_s']} browser_bytes={result['browser_bytes']}" if "ready_s" in result else "")
          + f" load={os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
