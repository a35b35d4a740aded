"""Set-up may run again beside a server that serves the editor bundle (the suite's two databases
run side by side): a reader must never find the bundle naming a chunk that is not there."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHUNK = re.compile(rb'"\./(chunks/[A-Za-z0-9_-]+\.js)"')


def _build(out):
    return subprocess.Popen(["node", str(ROOT / "scripts" / "vendor.mjs"), "--editor-into", str(out)],  # noqa: S603,S607
                            cwd=ROOT, stdout=subprocess.DEVNULL)


def _missing(out):
    """The chunks the entry names that a reader cannot find at this moment."""
    named = CHUNK.findall((out / "editor.bundle.js").read_bytes())
    assert named, "the entry names no chunks"
    return [n.decode() for n in named if not (out / n.decode()).is_file()]


def test_a_rebuild_never_leaves_the_entry_naming_a_missing_chunk(tmp_path):
    if shutil.which("node") is None or not (ROOT / "node_modules" / "esbuild").exists():
        pytest.skip("node and esbuild are needed to build the editor bundle")
    assert _build(tmp_path).wait(timeout=120) == 0
    (tmp_path / "chunks" / "stale-OLD.js").write_text("// from an earlier build\n")
    rebuild, looks = _build(tmp_path), 0
    while rebuild.poll() is None:
        assert _missing(tmp_path) == []
        looks += 1
    assert rebuild.returncode == 0
    assert looks > 0
    assert _missing(tmp_path) == []
    assert not (tmp_path / "chunks" / "stale-OLD.js").exists()  # no longer built, so removed
    assert not [p for p in tmp_path.rglob("*.part-*")]
