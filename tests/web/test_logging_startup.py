"""Logging survives start-up with FORLOB_AUTO_MIGRATE=1: Alembic never replaces it.

The app is created in a fresh process, as in production (not TESTING, JSON logs on), on a new
database that the start-up migrates; its stderr must stay JSON lines with the access log and
no CPR number, also for a query string and an exception message that carry one.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r'''
import logging, sys
from webui import create_app

app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "AUTO_MIGRATE": True,
                  "DEPLOY_ON_START": False, "SECRET_KEY": "log-test-secret"})

@app.get("/boom")
def boom():
    raise ValueError("no patient with CPR 010190-1234")

client = app.test_client()
client.get("/patienter?q=0101901234")
client.get("/boom?cpr=0101901234")
logging.getLogger("forlob.check").info("root level %s", logging.getLogger().level)
'''


def test_json_access_log_and_cpr_masking_survive_auto_migrate(tmp_path):
    env = dict(os.environ, FORLOB_LOG_JSON="1", FORLOB_ACCESS_LOG="1", FORLOB_AUTO_MIGRATE="1")
    url = "sqlite:///" + str(tmp_path / "fresh.sqlite")
    done = subprocess.run([sys.executable, "-c", SCRIPT, url], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines, "no log lines at all"
    entries = []
    for line in lines:
        try:
            entries.append(json.loads(line))
        except ValueError:
            raise AssertionError(
                f"not a JSON line: {line!r}\n--- stderr:\n{done.stderr[-3000:]}") from None
    assert "0101901234" not in done.stderr and "010190-1234" not in done.stderr, done.stderr
    migrated = [e for e in entries if e["logger"].startswith("alembic")]
    assert migrated, "the start-up migration logged nothing (or not as JSON)"
    access = [e for e in entries if e["logger"] == "forlob.access"]
    assert {(e["route"], e["status"]) for e in access} >= {("/boom", 500)}, access
    assert any(e["route"] == "/patienter" for e in access), access
    failed = [e for e in entries if e.get("exc_type") == "ValueError"]
    assert failed and all("frames" in e for e in failed), entries
    assert any(e["msg"] == "root level 20" for e in entries), entries  # INFO, not WARNING
