"""Idempotent demo seeding, called by `flask demo seed`."""
from datetime import date

from flask import current_app
from sqlalchemy import select

from webui import organisations
from webui.demo.intensity import seed_competencies
from webui.demo.organisations import UNITS
from webui.demo.patient_logins import seed_patient_logins
from webui.demo.patients import seed_patients
from webui.demo.phase_in import deploy_demo_plan
from webui.demo.population import seed_population
from webui.extensions import db
from webui.models import Organisation, User

DEMO_PASSWORD = "demo1234"  # noqa: S105  (published demo password; demo mode only)

# username, full name, organisation, roles
DEMO_USERS = [
    ("psyk.kbh", "Pia Psykiatri", "region-hovedstaden", "regional_clinician"),
    ("rus.kbh", "Karl Kommune", "kommune-koebenhavn", "municipal_clinician"),
    ("rus.frb", "Frida Frederiksberg", "kommune-frederiksberg", "municipal_clinician"),
    ("tovholder.kbh", "Tove Tovholder", "region-hovedstaden", "tovholder,regional_clinician"),
    ("ejer", "Ole Procesejer", "region-hovedstaden", "process_owner"),
    ("ejer2", "Eva Procesejer", "region-hovedstaden", "process_owner"),
    ("leder", "Ida Implementering", "region-hovedstaden", "implementation_lead"),
    ("admin", "Anne Administrator", "region-hovedstaden", "administrator"),
]


def seed_organisations() -> None:
    """Create the missing reference organisations and the demo's treatment units."""
    organisations.ensure_reference_data()
    for name, parent in UNITS:
        if db.session.scalar(select(Organisation.code).where(Organisation.name == name)) is None:
            organisations.add_unit(name, parent)
    db.session.flush()


def seed_users() -> list[tuple[str, str, str]]:
    """Create the demo logins that are missing; return (username, roles, organisation)."""
    rows = []
    for username, full_name, org, roles in DEMO_USERS:
        if db.session.scalar(db.select(User).filter_by(username=username)) is None:
            user = User(username=username, full_name=full_name,
                        organisation_code=org, roles_csv=roles)
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
        rows.append((username, roles, org))
    db.session.flush()
    return rows


def seed_all(patients: bool = True, population: int | None = None) -> list[tuple[str, str, str]]:
    """Seed everything the demo needs (organisations, logins, patients) and commit.

    `population` adds that many more pathways spread over 2024 to today (demo/population.py).
    """
    seed_organisations()
    logins = seed_users()
    seed_competencies(date.today())
    db.session.commit()
    if patients or population:
        deploy_demo_plan(db.session, current_app.config["BPMN_DIR"], date.today())
        db.session.commit()
    if population:
        seed_population(db.session, population)
    if patients:
        seed_patients(db.session)
        db.session.commit()
        seed_patient_logins(db.session)
        db.session.commit()
    return logins
