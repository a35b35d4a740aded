"""`flask engine export` writes a version back as repository files; `flask engine scenarios`."""
from pathlib import Path

from engine.models import AuditEntry
from engine.service import current_version
from webui.extensions import db

ROOT = Path(__file__).resolve().parents[2]


def test_export_writes_bpmn_and_forms_exactly(app, runner, tmp_path):
    assert runner.invoke(args=["engine", "deploy"]).exit_code == 0
    with app.app_context():
        version_id = current_version(db.session).id
    result = runner.invoke(args=["engine", "export", str(version_id), str(tmp_path)])
    assert result.exit_code == 0, result.output
    for source in list((ROOT / "bpmn").glob("*.bpmn")) + list((ROOT / "bpmn").glob("*.dmn")):
        assert (tmp_path / "bpmn" / source.name).read_bytes() == source.read_bytes()
    forms = sorted(p.name for p in (ROOT / "forms" / "definitions").glob("*.json"))
    assert sorted(p.name for p in (tmp_path / "forms" / "definitions").iterdir()) == forms
    assert (tmp_path / "forms/definitions/audit.json").read_bytes() == \
        (ROOT / "forms/definitions/audit.json").read_bytes()
    with app.app_context():
        assert db.session.scalar(db.select(AuditEntry).where(
            AuditEntry.action == "definition.export")) is not None
    missing = runner.invoke(args=["engine", "export", "9999", str(tmp_path)])
    assert missing.exit_code != 0 and "9999" in missing.output


def test_deploying_existing_content_says_so(app, runner):
    assert runner.invoke(args=["engine", "deploy"]).exit_code == 0
    again = runner.invoke(args=["engine", "deploy"])
    assert again.exit_code == 0 and "already has this content" in again.output


def test_scenarios_command_runs_against_the_repository(app, runner):
    result = runner.invoke(args=["engine", "scenarios"])
    assert result.exit_code == 0, result.output
    assert result.output.count("ok    ") >= 10 and "FAILED" not in result.output
