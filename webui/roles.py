"""Staff roles: their codes, labels, and which of them are clinical."""
from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "regional_clinician": _l("Regional kliniker (psykiatri)"),
    "municipal_clinician": _l("Kommunal kliniker (rusmiddelbehandling)"),
    "tovholder": _l("Tovholder/forløbskoordinator"),
    "process_owner": _l("Procesejer"),
    "implementation_lead": _l("Implementeringsansvarlig"),
    "administrator": _l("Administrator"),
}

ROLES = tuple(ROLE_LABELS)

# Roles that work with patients and may therefore read clinical content.
CLINICAL_ROLES = frozenset({"regional_clinician", "municipal_clinician", "tovholder"})


def parse_roles(text: str) -> list[str]:
    """Split a comma-separated role list; raise ValueError naming any unknown role."""
    roles = [r.strip() for r in (text or "").split(",") if r.strip()]
    unknown = [r for r in roles if r not in ROLE_LABELS]
    if unknown:
        raise ValueError("unknown role(s): {} (known: {})".format(", ".join(unknown), ", ".join(ROLES)))
    return list(dict.fromkeys(roles))


def role_label(code: str) -> str:
    """The display label of a role code."""
    return str(ROLE_LABELS.get(code, code))
