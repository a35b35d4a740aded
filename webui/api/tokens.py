"""Integration clients' bearer tokens: made once, shown once, stored only as a SHA-256 hash.

A token is 32 random bytes, so a fast hash is enough (nothing to brute-force), and it lets
the API find the client by an indexed, unique column in one query.
"""
import hashlib
import hmac
import secrets

import click
from flask.cli import AppGroup
from sqlalchemy import select

from webui.api.models import ApiClient
from webui.extensions import db
from webui.models import Organisation

PREFIX = "forlob_"
api_cli = AppGroup("api", help="Clients of the hospital-systems API.")


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh random token."""
    return PREFIX + secrets.token_urlsafe(32)


def client_for(header: str | None):
    """The active client whose token is in an `Authorization: Bearer …` header, else None."""
    scheme, _, token = (header or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(PREFIX) or len(token) > 200:
        return None
    digest = hash_token(token)
    client = db.session.scalar(select(ApiClient).where(ApiClient.token_hash == digest))
    if client is None or not client.active or not hmac.compare_digest(client.token_hash, digest):
        return None
    return client


def create_client(name: str, org_code: str):
    """Register a client for an organisation; return (client, token). The token is not kept."""
    token = new_token()
    client = ApiClient(name=name, token_hash=hash_token(token), organisation_code=org_code,
                       active=True)
    db.session.add(client)
    db.session.flush()
    return client, token


@api_cli.command("create-client")
@click.argument("name")
@click.option("--org", "org_code", required=True, help="The hospital's organisation code.")
def create_client_command(name, org_code):
    """Create an integration client and print its token once."""
    if db.session.get(Organisation, org_code) is None:
        raise click.ClickException(f"unknown organisation {org_code!r}")
    if db.session.scalar(select(ApiClient).where(ApiClient.name == name)) is not None:
        raise click.ClickException(f"a client named {name!r} exists already")
    _client, token = create_client(name, org_code)
    db.session.commit()
    click.echo(f"Client {name} for {org_code} created. Its token (shown only now):")
    click.echo(token)


@api_cli.command("revoke-client")
@click.argument("name")
def revoke_client_command(name):
    """Stop a client's token from working."""
    client = db.session.scalar(select(ApiClient).where(ApiClient.name == name))
    if client is None:
        raise click.ClickException(f"no client named {name!r}")
    client.active = False
    db.session.commit()
    click.echo(f"Client {name} revoked.")
