"""A test session removes the instance folder it creates in the temp directory."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_pytest_session_leaves_no_instance_folder(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "FORLOB_INSTANCE_PATH"}
    env["TMPDIR"] = str(tmp_path)
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "tests/unit/test_layering.py"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith("forlob-instance-")]
