"""Idempotent demo seeding, called by `flask demo seed`."""
from webui.demo.organisations import all_organisations
from webui.extensions import db
from webui.models import Organisation, User

DEMO_PASSWORD = "demo1234"

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
    """Create every known organisation that is missing."""
    for code, name, kind, region in all_organisations():
        if db.session.get(Organisation, code) is None:
            db.session.add(Organisation(code=code, name=name, kind=kind, region=region))
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


def seed_all(patients: bool = True) -> list[tuple[str, str, str]]:
    """Seed everything the demo needs (organisations, logins, patients) and commit."""
    seed_organisations()
    logins = seed_users()
    db.session.commit()
    if patients:
        from webui.demo.patients import seed_patients
        seed_patients(db.session)
        db.session.commit()
    return logins
