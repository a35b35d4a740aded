"""Organisations as reference data: look-ups every part of the web layer checks names against.

Regions and municipalities come from `webui/orgdata.py` (loaded by migration 0500);
treatment units are organisations of kind "unit" under a region or a municipality, added
by administrators. Codes keep the scheme `region-<slug>`, `kommune-<slug>`, `enhed-<slug>`.
"""
import re

from sqlalchemy import select

from webui import orgdata
from webui.extensions import db
from webui.models import Organisation

KINDS = ("region", "municipality", "unit")


def region_org(region: str) -> str:
    """Organisation code of a region's psychiatry."""
    return f"region-{region}"


def municipality_org(municipality: str) -> str:
    """Organisation code of a municipality's substance treatment."""
    return f"kommune-{municipality}"


def get(code: str | None) -> Organisation | None:
    """The active organisation with this code, or None."""
    if not code or len(code) > 64:
        return None
    org = db.session.get(Organisation, code)
    return org if org is not None and org.active else None


def eligible(code: str | None, kinds=KINDS, region: str | None = None) -> bool:
    """True when `code` names an active organisation of one of `kinds` (and in `region`)."""
    org = get(code)
    return org is not None and org.kind in kinds and (region is None or org.region == region)


def regions() -> list[Organisation]:
    """The regions, by official code."""
    return list(db.session.scalars(select(Organisation).where(
        Organisation.kind == "region", Organisation.active.is_(True))
        .order_by(Organisation.official_code)))


def municipalities(region: str | None = None) -> list[Organisation]:
    """The municipalities (of one region), by name."""
    query = select(Organisation).where(Organisation.kind == "municipality",
                                       Organisation.active.is_(True))
    if region:
        query = query.where(Organisation.region == region)
    return list(db.session.scalars(query.order_by(Organisation.short_name)))


def slug_of(org: Organisation) -> str:
    """The place slug of a region or municipality code ('kommune-koebenhavn' → 'koebenhavn')."""
    return org.code.split("-", 1)[1]


def units(parent_code: str | None = None) -> list[Organisation]:
    """Treatment units (under one parent), by name."""
    query = select(Organisation).where(Organisation.kind == "unit")
    if parent_code:
        query = query.where(Organisation.parent_code == parent_code)
    return list(db.session.scalars(query.order_by(Organisation.name)))


def add_unit(name: str, parent_code: str) -> Organisation:
    """Create a treatment unit under a region or municipality; ValueError with a reason."""
    name = (name or "").strip()
    if not 2 <= len(name) <= 200:
        raise ValueError("name must be 2-200 characters")
    parent = get(parent_code)
    if parent is None or parent.kind not in ("region", "municipality"):
        raise ValueError(f"unknown region or municipality {parent_code!r}")
    base = "enhed-" + re.sub(r"[^a-z0-9-]", "", orgdata.slug(name))[:50].strip("-")
    if base == "enhed-":
        raise ValueError("name must contain letters or digits")
    code, n = base, 2
    while db.session.get(Organisation, code) is not None:
        code, n = f"{base}-{n}", n + 1
    unit = Organisation(code=code, name=name, kind="unit", region=parent.region,
                        parent_code=parent.code, short_name=name[:100], active=True)
    db.session.add(unit)
    db.session.flush()
    return unit


def ensure_reference_data() -> int:
    """Insert missing regions and municipalities (as migration 0500 does); return how many."""
    # one read of the codes present, not one per organisation (about a hundred)
    present = set(db.session.scalars(select(Organisation.code)))
    missing = [row for row in orgdata.rows() if row["code"] not in present]
    db.session.add_all(Organisation(**row) for row in missing)
    db.session.flush()
    return len(missing)
