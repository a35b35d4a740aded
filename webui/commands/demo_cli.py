"""CLI commands, registered on the app."""
from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from engine import clock
from webui.api.tokens import api_cli
from webui.commands.engine_cli import deploy_on_start, engine_cli
from webui.commands.users_cli import users_cli
from webui.demo import clock as demo_clock
from webui.demo.patients import PLAN
from webui.demo.seed import DEMO_PASSWORD, seed_all
from webui.demo.wipe import wipe_all_rows
from webui.extensions import db
from webui.markers.cli import markers_cli

demo_cli = AppGroup("demo", help="Demo data (demo mode only: FORLOB_DEMO=1).")


def _demo_only():
    """Stop with a clear message unless the app runs in demo mode."""
    try:
        demo_clock.require_demo_mode()
    except demo_clock.NotDemoMode as exc:
        # seed creates logins with the published password demo1234: never on a real database
        raise click.ClickException(f"flask demo: {exc}; this database is not a demo "
                                   "database, nothing was changed") from exc


@demo_cli.command("seed")
@click.option("--patients", type=click.IntRange(min=1), default=None,
              help="Also create this many pathways spread over 2024 to today (slow: ~0.3 s each).")
def demo_seed(patients):
    """Seed demo organisations, logins and patients, then print the logins (demo mode only)."""
    _demo_only()
    logins = seed_all(population=patients)
    click.echo(f"Demo patients: {len(PLAN)} in different phases"
               + (f", plus {patients} spread over 2024 to today." if patients else "."))
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for username, roles, org in logins:
        click.echo(f"  {username:<16} {roles:<32} {org}")


@demo_cli.command("advance")
@click.option("--days", type=int, required=True, help="How many days to move the clock forward.")
def demo_advance(days):
    """Move the demo's engine clock forward and fire the timers that fall due (demo mode only)."""
    _demo_only()
    try:
        fired = demo_clock.advance(days)
    except (demo_clock.NotDemoMode, ValueError) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    today = clock.utcnow().astimezone(clock.LOCAL_TZ).date()
    click.echo(f"engine clock: {today.isoformat()} "
               f"(+{demo_clock.stored_offset().days} days); {fired} timer(s) fired")


@demo_cli.command("reset")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def demo_reset(yes):
    """Delete every row and seed fresh demo data, with the clock back at today (demo mode only)."""
    _demo_only()
    if not yes:
        click.confirm("Delete ALL data in this database and seed fresh demo data?", abort=True)
    wipe_all_rows(db.session, db.metadata)
    demo_clock.store(timedelta(0))
    db.session.commit()
    deploy_on_start(current_app)
    demo_seed.callback(patients=None)


def register(app):
    """Attach the project's CLI command groups to the app."""
    for group in (demo_cli, engine_cli, users_cli, api_cli, markers_cli):
        app.cli.add_command(group)
