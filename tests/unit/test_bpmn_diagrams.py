"""docs/pathway.md shows a picture of every stage, and bpmn-js draws every stage without warnings."""
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STAGES = sorted(p.stem for p in (ROOT / "bpmn").glob("*.bpmn"))


def test_pathway_doc_shows_every_diagram():
    doc = (ROOT / "docs" / "pathway.md").read_text(encoding="utf-8")
    assert len(STAGES) == 6
    for stage in STAGES:
        assert f"![{stage}](diagrams/{stage}.png)" in doc
        png = ROOT / "docs" / "diagrams" / f"{stage}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.browser
def test_vendored_bpmn_js_draws_every_stage_without_warnings(tmp_path):
    spec = importlib.util.spec_from_file_location("render_diagrams", ROOT / "scripts" / "render_diagrams.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = module.render([ROOT / "bpmn" / f"{s}.bpmn" for s in STAGES], out_dir=tmp_path)
    assert sorted(p.stem for p in written) == STAGES
    assert all(p.stat().st_size > 10_000 for p in written)
