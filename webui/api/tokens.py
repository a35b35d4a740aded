"""Integration clients' bearer tokens: made once, shown once, stored only as a SHA-256 hash.

A token is 32 random bytes, so a fast hash is enough (nothing to brute-force), and it lets
the API find the client by an indexed, unique column in one query.
"""
import hashlib
import hmac
import re
import secrets

import click
from flask.cli import AppGroup
from sqlalchemy import select

from engine.audit import record
from webui.api.models import ApiClient
from webui.commands.params import NAME
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


def acts_for_psychiatry(org_code: str) -> bool:
    """True when the organisation is a region's psychiatry or a unit under one.

    Admission and discharge events come from hospital systems: a municipality's client
    must never move a patient's pathway into or out of a psychiatric admission.
    """
    seen = set()
    org = db.session.get(Organisation, org_code)
    while org is not None and org.kind == "unit" and org.parent_code and org.code not in seen:
        seen.add(org.code)
        org = db.session.get(Organisation, org.parent_code)
    return org is not None and org.kind == "region" and org.active


SOR_CODE = re.compile(r"^\d{6,18}$")   # a SOR code: digits only, as the SOR register issues them


def parse_sor_codes(values) -> str | None:
    """SOR codes (from options or a comma list) as stored, or None; ValueError naming a bad one."""
    codes = [c.strip() for value in values for c in str(value).split(",") if c.strip()]
    bad = [c for c in codes if not SOR_CODE.match(c)]
    if bad:
        raise ValueError(f"not a SOR code: {', '.join(bad)} (6-18 digits)")
    return ",".join(dict.fromkeys(codes)) or None


def client_sor_codes(client) -> set[str]:
    """The sender SOR codes a client may use (empty: not bound, any valid SOR code)."""
    return set(filter(None, (client.sor_codes or "").split(",")))


def create_client(name: str, org_code: str, sor_codes: str | None = None):
    """Register a client for an organisation; return (client, token). The token is not kept."""
    token = new_token()
    client = ApiClient(name=name, token_hash=hash_token(token), organisation_code=org_code,
                       active=True, sor_codes=sor_codes)
    db.session.add(client)
    db.session.flush()
    return client, token


@api_cli.command("create-client")
@click.argument("name", type=NAME)
@click.option("--org", "org_code", required=True, help="The hospital's organisation code.")
@click.option("--sor", "sor", multiple=True,
              help="A SOR code the client's HospitalNotifications may name as sender (repeat or comma list).")
def create_client_command(name, org_code, sor):
    """Create an integration client and print its token once."""
    try:
        sor_codes = parse_sor_codes(sor)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    org = db.session.get(Organisation, org_code)
    if org is None:
        raise click.ClickException(f"unknown organisation {org_code!r}")
    if not acts_for_psychiatry(org_code):
        raise click.ClickException(
            f"{org_code!r} is a {org.kind}{'' if org.active else ' (inactive)'}: API clients report "
            "psychiatric admissions and discharges, so they belong to a region's psychiatry "
            "or a unit under it")
    if not name.strip():
        raise click.ClickException("client name must not be empty")
    if db.session.scalar(select(ApiClient).where(ApiClient.name == name)) is not None:
        raise click.ClickException(f"a client named {name!r} exists already")
    _client, token = create_client(name, org_code, sor_codes)
    db.session.commit()
    click.echo(f"Client {name} for {org_code} created. Its token (shown only now):")
    click.echo(token)


@api_cli.command("bind-sor")
@click.argument("name")
@click.argument("codes", nargs=-1, required=True)
def bind_sor_command(name, codes):
    """Bind the SOR codes a client's HospitalNotifications may name as sender (replaces the list)."""
    client = db.session.scalar(select(ApiClient).where(ApiClient.name == name))
    if client is None:
        raise click.ClickException(f"no client named {name!r}")
    try:
        client.sor_codes = parse_sor_codes(codes)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    record(db.session, "cli", "api_client_sor", detail=f"client={name} sor={client.sor_codes}")
    db.session.commit()
    click.echo(f"Client {name} may send as SOR {client.sor_codes}.")


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
