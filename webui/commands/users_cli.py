"""`flask users ...`: administrators create accounts and set their roles."""
import click
from flask.cli import AppGroup

from engine.audit import record
from webui import organisations
from webui.auth import sessions, unlock
from webui.commands.params import FULL_NAME, NAME
from webui.extensions import db
from webui.models import User
from webui.roles import ROLES, parse_roles

users_cli = AppGroup("users", help="Staff accounts and roles.")


def _fail(message):
    """Stop the command with a clear message and a non-zero exit code."""
    db.session.rollback()
    raise click.ClickException(message)


def _roles_option(text):
    """Parse --roles/--set into role codes, or fail naming the unknown ones."""
    try:
        roles = parse_roles(text)
    except ValueError as exc:
        _fail(str(exc))
    if not roles:
        _fail("give at least one role (known: {})".format(", ".join(ROLES)))
    return roles


@users_cli.command("create")
@click.argument("username", type=NAME)
@click.option("--org", "org_code", required=True, help="Organisation code, e.g. region-hovedstaden.")
@click.option("--roles", "roles_text", required=True, help="Comma-separated roles.")
@click.option("--name", "full_name", type=FULL_NAME, default="", help="Full name.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Password (prompted when left out).")
def create_user(username, org_code, roles_text, full_name, password):
    """Create a staff account with an organisation and roles."""
    username = username.strip()
    if not username or len(username) > 80:
        _fail("username must be 1-80 characters")
    if db.session.scalar(db.select(User).filter_by(username=username)):
        _fail(f"user {username!r} already exists")
    if not organisations.eligible(org_code):
        _fail(f"unknown organisation {org_code!r}")
    roles = _roles_option(roles_text)
    if len(password) < 8:
        _fail("password must be at least 8 characters")
    user = User(username=username, full_name=full_name, organisation_code=org_code,
                roles_csv=",".join(roles))
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"created {username} ({org_code}): {', '.join(roles)}")


@users_cli.command("roles")
@click.argument("username", type=NAME, required=False)
@click.option("--set", "roles_text", default=None, help="Replace the user's roles (comma-separated).")
def user_roles(username, roles_text):
    """List users and their roles, or show/set one user's roles."""
    if username is None:
        for user in db.session.scalars(db.select(User).order_by(User.username)):
            click.echo(f"{user.username:<20} {user.organisation_code:<26} {user.roles_csv}")
        return
    user = db.session.scalar(db.select(User).filter_by(username=username))
    if user is None:
        _fail(f"no such user {username!r}")
    if roles_text is not None:
        user.roles_csv = ",".join(_roles_option(roles_text))
        db.session.commit()
    click.echo(f"{user.username}: {user.roles_csv}")


@users_cli.command("end-sessions")
@click.argument("username", type=NAME)
def end_sessions(username):
    """End every login session of a user at once (for example a lost laptop)."""
    user = db.session.scalar(db.select(User).filter_by(username=username))
    if user is None:
        _fail(f"no such user {username!r}")
    ended = sessions.end_all_for(user.id, "administrator")
    record(db.session, "cli", "end_sessions", detail=f"user={username} ended={ended}")
    db.session.commit()
    click.echo(f"ended {ended} session(s) of {username}")


@users_cli.command("unlock-link")
@click.argument("username", type=NAME)
@click.option("--base-url", default="", help="The site's address, e.g. https://forlob.example.dk.")
def unlock_link(username, base_url):
    """Print a one-time link that lets the user log in from a new browser without waiting."""
    user = db.session.scalar(db.select(User).filter_by(username=username))
    if user is None or not user.active:
        _fail(f"no such active user {username!r}")
    try:
        token = unlock.issue(user, "cli")
    except unlock.TooManyLinks:
        _fail(f"{username} has had {unlock.setting('UNLOCK_LINKS_PER_DAY')} links in the last day")
    click.echo(f"{base_url.rstrip('/')}/login/oplaas/{token}")
    click.echo(f"valid {unlock.setting('UNLOCK_LINK_HOURS')} hours, for one login; "
               "the user still needs their password")
