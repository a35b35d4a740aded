"""`flask engine ...` commands and the deploy-at-start hook."""
from datetime import timedelta

from sqlalchemy import func, select

from engine import service
from engine.clock import utcnow
from engine.models import AuditEntry, DefinitionVersion, TaskRecord
from tests.conftest import make_test_config
from tests.fixtures.engine import LOOP_DIR, LOOP_FORMS, loop_files
from tests.integration.engine_helpers import complete, start, to_ustabil
from webui import create_app
from webui.extensions import db


def count_versions(app):
    with app.app_context():
        return db.session.scalar(select(func.count(DefinitionVersion.id)))


def test_deploy_command_is_idempotent(app, runner):
    first = runner.invoke(args=["engine", "deploy"])
    assert first.exit_code == 0, first.output
    assert "henvisning" in first.output
    again = runner.invoke(args=["engine", "deploy"])
    assert again.exit_code == 0 and count_versions(app) == 1


def test_deploy_command_reports_invalid_definitions(app, runner):
    # The fixture's forms are not in forms/definitions, so the default form check refuses it.
    result = runner.invoke(args=["engine", "deploy", str(LOOP_DIR)])
    assert result.exit_code != 0
    assert "som ikke findes" in result.output and "[opfoelgning]" in result.output
    assert count_versions(app) == 0


def test_deploy_command_on_empty_directory(runner, tmp_path):
    result = runner.invoke(args=["engine", "deploy", str(tmp_path)])
    assert result.exit_code != 0 and "no *.bpmn" in result.output


def test_tick_worker_and_message_commands(app, runner):
    base = utcnow() - timedelta(days=70)  # the CLI runs on the wall clock
    with app.app_context():
        pathway = start(db.session, now=base)
        later = to_ustabil(db.session, pathway.id, now=base).updated_at
        complete(db.session, pathway.id, "ustabil_aktivitet", {"stable": True}, now=later)
        patient_id = pathway.patient_id
    result = runner.invoke(args=["engine", "tick"])  # wall clock: the 60-day deadline passed
    assert result.exit_code == 0 and "1 timer(s) fired" in result.output
    result = runner.invoke(args=["engine", "worker", "--once", "--interval", "0"])
    assert result.exit_code == 0
    result = runner.invoke(args=["engine", "message", "udskrevet", "--patient", str(patient_id)])
    assert result.exit_code != 0 and "waits for message 'udskrevet'" in result.output
    result = runner.invoke(args=["engine", "message", "indlagt", "--patient", str(patient_id),
                                 "--set", "afdeling=P1"])
    assert result.exit_code == 0 and "indlagt" in result.output
    with app.app_context():
        [record] = db.session.scalars(select(TaskRecord).where(TaskRecord.kind == "message"))
        assert record.data == {"afdeling": "P1"} and record.actor == "cli"
        [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "message"))
        assert entry.patient_id == patient_id and entry.source == "cli"


def test_migrate_pathway_command(app, runner):
    with app.app_context():
        pathway = start(db.session)
        pathway_id = pathway.id
        files = loop_files()  # a second version (labels only) to migrate to
        files["loop.bpmn"] = files["loop.bpmn"].replace(b"Behandlingsaktivitet", b"Aktivitet")
        service.deploy_bundle(db.session, files, "carol", known_forms=LOOP_FORMS)
        db.session.commit()
    result = runner.invoke(args=["engine", "migrate-pathway", str(pathway_id)])
    assert result.exit_code == 0 and "stage henvisning" in result.output
    with app.app_context():
        [entry] = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "migrate_pathway"))
        assert entry.pathway_id == pathway_id and entry.source == "cli"


def test_app_deploys_bpmn_dir_on_start(app, database_url):
    assert count_versions(app) == 0
    create_app(make_test_config(database_url, DEPLOY_ON_START=True))
    assert count_versions(app) == 1
    create_app(make_test_config(database_url, DEPLOY_ON_START=True))
    assert count_versions(app) == 1


def test_app_start_tolerates_an_empty_bpmn_dir(app, database_url, tmp_path):
    create_app(make_test_config(database_url, DEPLOY_ON_START=True, BPMN_DIR=str(tmp_path)))
    assert count_versions(app) == 0
    with app.app_context():
        assert service.latest_version(db.session) is None
