"""Render each BPMN process in bpmn/ to docs/diagrams/<stage>.png with the vendored bpmn-js viewer.

Usage: .venv/bin/python scripts/render_diagrams.py
Runs headless Debian Chromium via Playwright; everything is loaded from the repository (no CDN).
"""
import json
import sys
from pathlib import Path

from lxml import etree
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "webui" / "static" / "vendor" / "bpmn-js"
OUT = ROOT / "docs" / "diagrams"
PAGE = """<!doctype html><html><head><meta charset="utf-8">
<style>{css}
html, body {{ margin: 0; background: #fff; }}
#canvas {{ width: {width}px; height: {height}px; }}</style></head>
<body><div id="canvas"></div><script>{js}</script></body></html>"""


def _bounds(xml):
    """Width and height the diagram needs, from its participant shape (with a margin)."""
    doc = etree.fromstring(xml.encode("utf-8"))
    boxes = doc.findall(".//{http://www.omg.org/spec/DD/20100524/DC}Bounds")
    right = max(float(b.get("x")) + float(b.get("width")) for b in boxes)
    bottom = max(float(b.get("y")) + float(b.get("height")) for b in boxes)
    return int(right) + 60, int(bottom) + 60


def render(files, out_dir=OUT, browser=None):
    """Screenshot every given .bpmn file into out_dir; return the written paths.

    A running Playwright browser may be passed in (the test suite shares one); otherwise
    Debian's Chromium is launched for the call.
    """
    if browser is not None:
        return _render_with(browser, files, out_dir)
    with sync_playwright() as p:
        own = p.chromium.launch(executable_path="/usr/bin/chromium",
                                args=["--no-sandbox", "--disable-gpu"])
        try:
            return _render_with(own, files, out_dir)
        finally:
            own.close()


def _render_with(browser, files, out_dir):
    out_dir.mkdir(parents=True, exist_ok=True)
    css = "\n".join((VENDOR / "assets" / name).read_text(encoding="utf-8")
                    for name in ("diagram-js.css", "bpmn-js.css", "bpmn-font/css/bpmn-embedded.css"))
    js = (VENDOR / "bpmn-navigated-viewer.production.min.js").read_text(encoding="utf-8")
    written = []
    for path in files:
        xml = path.read_text(encoding="utf-8")
        width, height = _bounds(xml)
        page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=1.5)
        page.set_content(PAGE.format(css=css, js=js, width=width, height=height))
        warnings = page.evaluate(
            """async (xml) => {
                const viewer = new BpmnJS({ container: '#canvas' });
                const result = await viewer.importXML(xml);
                viewer.get('canvas').zoom('fit-viewport', 'auto');
                return result.warnings.map(w => w.message);
            }""", xml)
        if warnings:
            raise SystemExit(f"{path.name}: bpmn-js import warnings: {json.dumps(warnings)}")
        target = out_dir / f"{path.stem}.png"
        page.locator("#canvas").screenshot(path=str(target))
        page.close()
        written.append(target)
    return written


if __name__ == "__main__":
    chosen = [Path(a) for a in sys.argv[1:]] or sorted((ROOT / "bpmn").glob("*.bpmn"))
    for written in render(chosen):
        print(written.relative_to(ROOT))
