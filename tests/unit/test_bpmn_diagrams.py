"""docs/pathway.md shows a picture of every stage."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STAGES = sorted(p.stem for p in (ROOT / "bpmn").glob("*.bpmn"))


def test_pathway_doc_shows_every_diagram():
    doc = (ROOT / "docs" / "pathway.md").read_text(encoding="utf-8")
    assert len(STAGES) == 6
    for stage in STAGES:
        assert f"![{stage}](diagrams/{stage}.png)" in doc
        png = ROOT / "docs" / "diagrams" / f"{stage}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
