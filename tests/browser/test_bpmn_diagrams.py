"""The vendored bpmn-js draws every stage of the pathway without import warnings."""
import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
STAGES = sorted(p.stem for p in (ROOT / "bpmn").glob("*.bpmn"))


def test_vendored_bpmn_js_draws_every_stage_without_warnings(browser, tmp_path):
    spec = importlib.util.spec_from_file_location("render_diagrams",
                                                  ROOT / "scripts" / "render_diagrams.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = module.render([ROOT / "bpmn" / f"{s}.bpmn" for s in STAGES], out_dir=tmp_path,
                            browser=browser)
    assert sorted(p.stem for p in written) == STAGES
    assert all(p.stat().st_size > 10_000 for p in written)
