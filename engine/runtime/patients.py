"""Patients as the facade meets them: found or registered by CPR number, checked before a start."""
import re
from datetime import date

from sqlalchemy import select

from engine import clock
from engine.errors import InvalidInput, NotFound, PathwayAlreadyActive
from engine.models import Pathway, Patient

CPR = re.compile(r"^\d{10}$")
SEXES = ("M", "K")


def register_patient(session, cpr, name, sex, birth_date, region, municipality, write=True):
    """Find a patient by CPR number, or register a new one.

    With write=False a new patient is only added to the session (no id yet): start_pathway
    then writes it after the definition has run (SQLite's write lock is never held meanwhile).
    """
    cpr = (cpr or "").replace("-", "").strip()
    if not CPR.match(cpr):
        raise InvalidInput("CPR number must be 10 digits")
    existing = session.scalar(select(Patient).where(Patient.cpr == cpr))
    if existing is not None:
        return existing
    if sex not in SEXES:
        raise InvalidInput(f"sex must be one of {SEXES}")
    if not (name or "").strip():
        raise InvalidInput("name is required")
    if isinstance(birth_date, str):
        birth_date = date.fromisoformat(birth_date)
    patient = Patient(cpr=cpr, name=name.strip(), sex=sex, birth_date=birth_date,
                      region=region, municipality=municipality, created_at=clock.utcnow())
    session.add(patient)
    if write:
        session.flush()
    return patient


def to_start(session, patient_id):
    """The patient (a Patient not yet written is taken as is), checked for an active pathway."""
    if isinstance(patient_id, Patient) and patient_id.id is None:
        return patient_id
    patient_id = getattr(patient_id, "id", patient_id)
    # Lock the patient's row (PostgreSQL) so two referrals at once cannot both pass the
    # "no active pathway" check; the second waits, then sees the first one's pathway.
    locked = session.scalar(select(Patient.id).where(Patient.id == patient_id).with_for_update())
    patient = session.get(Patient, patient_id) if locked is not None else None
    if patient is None:
        raise NotFound(f"patient {patient_id} does not exist")
    active = session.scalar(select(Pathway.id).where(Pathway.patient_id == patient_id,
                                                     Pathway.status == "active"))
    if active is not None:
        raise PathwayAlreadyActive(f"patient {patient_id} already has active pathway {active}")
    return patient
