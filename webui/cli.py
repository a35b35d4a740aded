"""CLI commands, registered on the app."""
import click
from flask.cli import AppGroup

demo_cli = AppGroup("demo", help="Demo data.")


@demo_cli.command("seed")
def demo_seed():
    """Seed demo organisations, logins and patients, then print the logins."""
    from webui.demo.patients import PLAN
    from webui.demo.seed import DEMO_PASSWORD, seed_all
    logins = seed_all()
    click.echo(f"Demo patients: {len(PLAN)} in different phases.")
    click.echo("Demo logins (password for all: %s):" % DEMO_PASSWORD)
    for username, roles, org in logins:
        click.echo(f"  {username:<16} {roles:<32} {org}")


def register(app):
    """Attach the project's CLI command groups to the app."""
    from webui.api.tokens import api_cli
    from webui.engine_cli import engine_cli
    from webui.users_cli import users_cli
    for group in (demo_cli, engine_cli, users_cli, api_cli):
        app.cli.add_command(group)
