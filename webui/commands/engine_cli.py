"""`flask engine ...`: deploy definitions, fire timers, run a timer worker, send messages."""
import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from engine import service
from engine.audit import record
from engine.errors import EngineError, SandboxViolation
from engine.modeling import find_existing, read_source
from engine.service import (
    deliver_message,
    deploy_directory,
    export_version,
    get_version,
    latest_version,
    migrate_pathway,
    tick,
)
from scenarios.runner import run_all
from webui.commands.migration_cli import migrate_command, run_migration_batches
from webui.commands.migration_lane import MigrationLane
from webui.commands.params import PAYLOAD_ITEM
from webui.commands.worker import Supervisor
from webui.demo import clock as demo_clock
from webui.extensions import db
from webui.modeler.dry_run_jobs import run_pending as run_dry_run_jobs
from webui.modeler.validation_jobs import run_pending as run_validation_jobs
from webui.patient import schedule as patient_schedule

engine_cli = AppGroup("engine", help="The pathway engine.")
engine_cli.add_command(migrate_command)


def _fail(exc):
    db.session.rollback()
    if isinstance(exc, SandboxViolation):  # logged, audited and counted, as in the web
        service.record_sandbox_failure(db.session, exc, "cli", source="cli")
        db.session.commit()
    raise click.ClickException(str(exc))


@engine_cli.command("deploy")
@click.argument("path", required=False)
@click.option("--actor", default="system", help="Who deploys (recorded with the version).")
def deploy(path, actor):
    """Deploy the BPMN/DMN files of PATH (default: BPMN_DIR) plus the forms as the current version."""
    path = path or current_app.config["BPMN_DIR"]
    try:
        files = read_source(path)
        existing = find_existing(db.session, files) if files else None
        if existing is not None:
            click.echo(f"version {existing.id} already has this content ({existing.status}); "
                       f"nothing deployed")
            return
        version = deploy_directory(db.session, path, actor)
    except EngineError as exc:
        _fail(exc)
    if version is None:
        raise click.ClickException(f"no *.bpmn or *.dmn files in {path}")
    db.session.commit()
    click.echo(f"version {version.id} ({version.content_hash[:12]}): "
               f"{', '.join(version.process_ids)}")


def _tick_once(limit, actor, stop=None):
    demo_clock.apply()  # demo mode: sweep at the demo's moved clock
    fired = tick(db.session, limit=limit, actor=actor, stop=stop)
    db.session.commit()
    return fired


@engine_cli.command("tick")
@click.option("--limit", default=500, show_default=True)
def tick_command(limit):
    """Fire every due timer once."""
    try:
        click.echo(f"{_tick_once(limit, 'system')} timer(s) fired")
    except EngineError as exc:
        _fail(exc)


@engine_cli.command("worker")
@click.option("--interval", default=30.0, show_default=True, help="Seconds between sweeps.")
@click.option("--limit", default=500, show_default=True)
@click.option("--once", is_flag=True, help="Sweep once and stop (for tests).")
def worker(interval, limit, once):
    """Sweep timers every INTERVAL seconds; several workers may run at once."""

    # heartbeat, SIGTERM after the pathway in hand, back-off while the database is away
    supervisor = Supervisor(interval)
    # migration jobs run in their own lane (thread), so they can never make a timer late
    lane = None if once else MigrationLane(current_app._get_current_object(),
                                           supervisor.stopping).start()
    while supervisor.running():
        with supervisor.sweep():
            try:
                fired = _tick_once(limit, "system", stop=supervisor.stop_requested)
                if fired:
                    click.echo(f"{fired} timer(s) fired")
                if once:  # a one-shot sweep does one turn of the owner lane itself
                    run_validation_jobs()
                    run_dry_run_jobs()
                    run_migration_batches()
                patient_schedule.sweep(current_app.config)  # questionnaires: ask, remind, escalate
                db.session.commit()
            except EngineError as exc:  # a conflict with a user's click: the next sweep retries
                db.session.rollback()
                click.echo(f"sweep skipped: {exc}", err=True)
            except SQLAlchemyError:
                raise  # the supervisor backs off and reconnects
            except Exception as exc:  # noqa: BLE001 - nothing a pathway does may stop the timers
                db.session.rollback()
                current_app.logger.exception("sweep failed: %s", exc)
                click.echo(f"sweep failed: {exc}", err=True)
        if once:
            break
        supervisor.sleep()
    if lane is not None:
        supervisor.stopping.set()
        lane.join(30)
    supervisor.finish()


@engine_cli.command("message")
@click.argument("name")
@click.option("--patient", "patient_id", required=True, type=int, help="Patient id.")
@click.option("--set", "pairs", multiple=True, type=PAYLOAD_ITEM,
              help="Payload item KEY=VALUE (repeatable).")
def message(name, patient_id, pairs):
    """Deliver message NAME (e.g. indlagt, udskrevet) to the patient's pathway."""
    payload = dict(p.split("=", 1) for p in pairs if "=" in p)
    try:
        pathway = deliver_message(db.session, name, patient_id, payload, "cli")
    except EngineError as exc:
        _fail(exc)
    record(db.session, "cli", "message", patient_id=patient_id, pathway_id=pathway.id,
           detail=f"{name} {payload}", source="cli")
    db.session.commit()
    click.echo(f"pathway {pathway.id} is now in stage {pathway.stage}")


@engine_cli.command("export")
@click.argument("version_id", type=int)
@click.argument("directory", type=click.Path(file_okay=False))
def export_command(version_id, directory):
    """Write a version's files to DIRECTORY/bpmn/ and DIRECTORY/forms/definitions/."""
    try:
        written = export_version(db.session, version_id, directory)
    except EngineError as exc:
        _fail(exc)
    record(db.session, "cli", "definition.export", detail=f"version {version_id} -> {directory}",
           source="cli")
    db.session.commit()
    click.echo(f"version {version_id}: {len(written)} file(s) written to {directory}")


@engine_cli.command("scenarios")
@click.option("--version", "version_id", type=int, help="Run against a stored version "
                                                         "(default: BPMN_DIR plus the forms).")
def scenarios_command(version_id):
    """Run the scenarios of bpmn/scenarios on a throw-away database; exit 1 if any fails."""
    try:
        files = dict(get_version(db.session, version_id).files) if version_id \
            else read_source(current_app.config["BPMN_DIR"])
    except EngineError as exc:
        _fail(exc)
    results = run_all(files)
    for r in results:
        click.echo(("ok    " if r["ok"] else "FAILED") + f" {r['id']}: {r['title']}"
                   + ("" if r["ok"] else f" (step {r['step']}: {r['message']})"))
    if not all(r["ok"] for r in results):
        raise click.ClickException("a scenario failed")


@engine_cli.command("migrate-pathway")
@click.argument("pathway_id", type=int)
@click.option("--version", "version_id", type=int, help="Target version (default: current).")
def migrate_pathway_command(pathway_id, version_id):
    """Move a running pathway to another definition version."""
    try:
        version_id = version_id or latest_version(db.session).id
        pathway = migrate_pathway(db.session, pathway_id, version_id, "cli")
    except (EngineError, AttributeError) as exc:
        _fail(exc)
    record(db.session, "cli", "migrate_pathway", patient_id=pathway.patient_id,
           pathway_id=pathway.id, detail=f"version {version_id}", source="cli")
    db.session.commit()
    click.echo(f"pathway {pathway.id} runs on version {pathway.version_id}, stage {pathway.stage}")


def deploy_on_start(app):
    """Deploy BPMN_DIR plus the forms as 'system' (idempotent by content hash); never crash."""

    with app.app_context():
        try:
            version = deploy_directory(db.session, app.config["BPMN_DIR"], "system")
            db.session.commit()
            return version
        except (EngineError, SQLAlchemyError) as exc:  # e.g. tables not migrated yet
            db.session.rollback()
            app.logger.error("BPMN_DIR was not deployed: %s", str(exc).splitlines()[0])
        finally:
            db.session.remove()
    return None
