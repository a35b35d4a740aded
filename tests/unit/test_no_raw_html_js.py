"""Our own browser code never assigns HTML: it builds DOM nodes (issue 21, the form editor)."""
import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "webui" / "static"
TEMPLATES = Path(__file__).resolve().parents[2] / "webui"
# every way a string becomes markup in the DOM
RAW_HTML = re.compile(r"\.(?:innerHTML|outerHTML)\s*\+?=|insertAdjacentHTML|document\.write|"
                      r"createContextualFragment|dangerouslySetInnerHTML|\.html\s*\(")


def _own_scripts():
    return [p for p in STATIC.rglob("*.js") if "vendor" not in p.relative_to(STATIC).parts]


def test_own_scripts_never_assign_html():
    scripts = _own_scripts()
    assert len(scripts) > 10  # the scan really sees our code
    hits = [f"{p.relative_to(STATIC)}:{n}: {line.strip()}" for p in scripts
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if RAW_HTML.search(line)]
    assert hits == []


def test_inline_scripts_in_templates_never_assign_html():
    hits = []
    for path in TEMPLATES.rglob("*.html"):
        for block in re.findall(r"<script[^>]*>(.*?)</script>", path.read_text(encoding="utf-8"), re.S):
            if RAW_HTML.search(block):
                hits.append(str(path))
    assert hits == []


def test_the_pattern_catches_what_it_is_for():
    for line in ('el.innerHTML = x;', 'el.outerHTML += x', 'el.insertAdjacentHTML("beforeend", x)',
                 'document.write(x)', 'range.createContextualFragment(x)', '$(el).html(x)'):
        assert RAW_HTML.search(line), line
    for line in ("el.textContent = x;", "el.replaceChildren(safeFragment(x));", "// no innerHTML here"):
        assert not RAW_HTML.search(line), line


def test_form_canvas_shows_text_and_html_components_as_text():
    source = (STATIC / "modeler" / "form-editor.js").read_text(encoding="utf-8")
    assert '[["text", "text"], ["html", "content"]]' in source and "formFields.register(type, view)" in source
