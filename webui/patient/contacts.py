"""Planned contacts: booking, moving and cancelling, with the input checks they need."""
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, select

from engine import clock
from engine.db import once
from webui.common.timeutil import LOCAL_TZ, local_midnight_utc, local_today
from webui.extensions import db
from webui.models import Organisation
from webui.patient.models import PlannedContact

# a contact is planned ahead: not in the past (a little slack for typing), at most a year on
PAST_SLACK = timedelta(minutes=15)
HORIZON = timedelta(days=366)
MINUTES = range(5, 8 * 60 + 1)


class ContactError(ValueError):
    """Contact input that cannot be accepted; the message is Danish, for the form."""


def parse(form) -> dict:
    """Checked contact fields from a form (start given as Danish local time); raise ContactError."""
    missing = [name for name in ("starts_at", "place", "org_code", "person")
               if not (form.get(name) or "").strip()]
    if missing:
        raise ContactError("Udfyld: " + ", ".join(missing))
    try:
        local = datetime.fromisoformat(form["starts_at"].strip())
    except ValueError as exc:
        raise ContactError("Tidspunktet skal have formen ÅÅÅÅ-MM-DDTTT:MM.") from exc
    if local.tzinfo is not None:
        raise ContactError("Tidspunktet angives i dansk tid, uden tidszone.")
    starts_at = local.replace(tzinfo=LOCAL_TZ).astimezone(UTC)
    now = clock.utcnow()
    if starts_at < now - PAST_SLACK:
        raise ContactError("Tidspunktet ligger i fortiden.")
    if starts_at > now + HORIZON:
        raise ContactError("Tidspunktet ligger mere end et år ude i fremtiden.")
    try:
        minutes = int(form.get("minutes") or 60)
    except ValueError as exc:
        raise ContactError("Varigheden skal være et tal (minutter).") from exc
    if minutes not in MINUTES:
        raise ContactError("Varigheden skal være mellem 5 og 480 minutter.")
    org_code = form["org_code"].strip()
    if db.session.get(Organisation, org_code) is None:
        raise ContactError("Ukendt organisation.")
    return {"starts_at": starts_at, "minutes": minutes, "place": form["place"].strip()[:200],
            "org_code": org_code, "person": form["person"].strip()[:200]}


def book(patient_id: int, fields: dict, actor: str) -> PlannedContact:
    """Add a planned contact."""
    now = clock.utcnow()
    contact = PlannedContact(patient_id=patient_id, created_by=actor, created_at=now,
                             updated_at=now, status="planned", **fields)
    db.session.add(contact)
    db.session.flush()
    return contact


def move(contact: PlannedContact, fields: dict) -> None:
    """Change time, place, organisation or person of a planned contact."""
    if contact.status != "planned":
        raise ContactError("En aflyst kontakt kan ikke flyttes.")
    for key, value in fields.items():
        setattr(contact, key, value)
    contact.updated_at = clock.utcnow()


def cancel(contact: PlannedContact) -> None:
    """Cancel a planned contact (kept, so the patient sees that it was cancelled)."""
    if contact.status != "planned":
        raise ContactError("Kontakten er allerede aflyst.")
    contact.status = "cancelled"
    contact.updated_at = clock.utcnow()


def upcoming(patient_id: int, limit: int = 20) -> list[PlannedContact]:
    """The patient's contacts from the start of today on, soonest first (cancelled included)."""
    return list(db.session.scalars(select(PlannedContact).where(
        PlannedContact.patient_id == patient_id,
        PlannedContact.starts_at >= local_midnight_utc(local_today()))
        .order_by(PlannedContact.starts_at, PlannedContact.id).limit(limit)))


def today_for_org(org_code: str) -> list[PlannedContact]:
    """Today's planned (not cancelled) contacts of an organisation, for the worklist."""
    start = local_midnight_utc(local_today())
    return list(db.session.scalars(_today_query(), {
        "org_code": org_code, "start": start, "end": start + timedelta(days=1)}))


@once
def _today_query():
    return (select(PlannedContact).where(
        PlannedContact.org_code == bindparam("org_code"), PlannedContact.status == "planned",
        PlannedContact.starts_at >= bindparam("start"), PlannedContact.starts_at < bindparam("end"))
        .order_by(PlannedContact.starts_at, PlannedContact.id))
