"""`flask engine migrate`: dry-run or migrate running pathways in bulk; the worker's job hook."""
import time

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from engine import modeling, service
from engine.errors import EngineError
from webui.extensions import db


def _print_groups(groups):
    for g in groups:
        verdict = "migratable" if g["migratable"] else f"NOT migratable: {g['reason']}"
        click.echo(f"version {g['from_version']} · {g['stage']} · open "
                   f"[{', '.join(g['open_tasks']) or '-'}] · {len(g['pathway_ids'])} pathway(s) "
                   f"· {verdict}")
        for action in g["actions"]:
            click.echo(f"    {action}")
        if g["drafts"]:
            click.echo(f"    drafts kept: {g['drafts']}")


@click.command("migrate")
@with_appcontext
@click.option("--to", "to_version", required=True, type=int, help="Target definition version.")
@click.option("--from", "from_version", type=int, help="Only pathways on this version.")
@click.option("--dry-run", is_flag=True, help="Show what would happen; change nothing.")
@click.option("--limit", type=int, help="At most N pathways (oldest first).")
@click.option("--queue", is_flag=True, hidden=True, help="The default (kept for old scripts).")
@click.option("--run-here", is_flag=True,
              help="Run the job in this command instead of queueing it for the timer worker "
                   "(never at the same time as the worker: one runner holds a job at a time).")
@click.option("--batch", default=200, show_default=True, help="Pathways per batch.")
def migrate_command(to_version, from_version, dry_run, limit, queue, run_here, batch):
    """Move running pathways to version --to, keeping their progress: queue the job for the
    timer worker (the default), or run it here with --run-here."""
    try:
        if dry_run:
            verdicts = service.dry_run(db.session, to_version, from_version, limit=limit)
            db.session.rollback()
            _print_groups(service.grouped(verdicts))
            ok = sum(v.migratable for v in verdicts)
            click.echo(f"{len(verdicts)} pathway(s): {ok} migratable, {len(verdicts) - ok} not")
            return
        job = modeling.create_job(db.session, to_version, "cli", from_version=from_version,
                                        limit=limit, note="flask engine migrate")
        db.session.commit()
    except EngineError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(f"job {job.id}: {job.total} pathway(s) to version {to_version}")
    if not run_here:
        click.echo(f"job {job.id} queued: the timer worker runs it (follow it on the modeler's "
                   f"migration page); --run-here runs it in this command instead")
        return
    runner = f"cli:{service.worker_identity()}"
    while modeling.run_batch(db.session, db.session.commit, batch=batch, source="cli",
                             runner=runner):
        state = modeling.progress(db.session, job.id)
        click.echo(f"  done {state['done']}, failed {state['failed']}, left {state['left']}")
    state = modeling.progress(db.session, job.id)
    if state["status"] == "running" and state["left"]:
        click.echo(f"job {job.id} is being run by another runner (the timer worker); it goes "
                   f"on there", err=True)
    for item in modeling.failures(db.session, job.id):
        click.echo(f"  pathway {item.pathway_id} failed: {item.reason}", err=True)
    click.echo(f"job {job.id} {state['status']}: {state['done']} migrated, "
               f"{state['failed']} failed")


def run_migration_batches(batch=None, seconds=None):
    """One worker turn for migration jobs: batches until there is no work or the turn's time
    (MIGRATION_SECONDS, so timers are still swept between turns) is up; never raises."""

    batch = batch or current_app.config.get("MIGRATION_BATCH", 200)
    deadline = time.monotonic() + (seconds or current_app.config.get("MIGRATION_SECONDS", 20))
    total = 0
    try:
        while time.monotonic() < deadline:
            handled = modeling.run_batch(db.session, db.session.commit, batch=batch,
                                         until=deadline)
            if not handled:
                break
            total += handled
    except SQLAlchemyError as exc:  # e.g. the database went away: the next turn retries
        db.session.rollback()
        click.echo(f"migration batch stopped: {exc}", err=True)
    if total:
        click.echo(f"{total} pathway(s) migrated or failed")
    return total
