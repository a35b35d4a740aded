"""The documents a newcomer reads first name what the code has (issue 26's newcomer traps)."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s#:]+)(?:#[^)]*)?\)")  # a Markdown link to a local file
BLUEPRINT = re.compile(r"\bBlueprint\(")


def test_every_local_link_in_the_docs_points_at_a_file():
    missing = [f"{doc.relative_to(ROOT)} → {target}"
               for doc in DOCS for target in LINK.findall(doc.read_text(encoding="utf-8"))
               if not (doc.parent / target).exists()]
    assert not missing, missing


def test_the_architecture_names_every_package_with_a_blueprint():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text[text.index("### `webui/`"):]
    section = section[:section.index("\n### ", 1)] if "\n### " in section[1:] else section
    packages = {path.relative_to(ROOT / "webui").parts[0]
                for path in (ROOT / "webui").rglob("*.py")
                if len(path.relative_to(ROOT / "webui").parts) > 1
                and BLUEPRINT.search(path.read_text(encoding="utf-8"))}
    assert packages, "no blueprint found: the test's pattern no longer matches the code"
    unnamed = sorted(p for p in packages if f"`{p}`" not in section and f"`webui/{p}/`" not in section)
    assert not unnamed, f"docs/architecture.md does not name: {unnamed}"


def test_the_readmes_tour_names_labels_the_app_shows():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    tour = readme[readme.index("### The first ten minutes"):]
    tour = tour[:tour.index("\n\n", tour.index("| login |"))]
    labels = set(re.findall(r"\*([^*|]+)\*", tour))
    assert {"Ny henvisning", "Gem kladde", "Afslut opgave"} <= labels, labels
    # deploying needs a second process owner: the tour says who, and the demo has that login
    assert "`ejer2`" in tour and '"ejer2"' in (ROOT / "webui/demo/seed.py").read_text(encoding="utf-8")
    shown = "\n".join(path.read_text(encoding="utf-8")
                      for path in (ROOT / "webui").rglob("*") if path.suffix in (".html", ".py"))
    missing = sorted(label for label in labels if label not in shown)
    assert not missing, f"the README's tour names labels the app does not show: {missing}"
