"""The guide's rules on the message as a whole: the Bundle, its MessageHeader, the Patient, and
the sender and receiver Organizations (guide_rules.RULES names each check with its key)."""
from webui.fhir.codes import CPR_SYSTEM, DESTINATION_USE_SYSTEM, EVENT_CODE, EVENT_SYSTEMS, GLN_SYSTEM, SOR_SYSTEM
from webui.fhir.message_parts import identifier
from webui.pathways.cpr import birth_date


def sor_problem(organisation: dict, who: str) -> str | None:
    """None when the Organization has a SOR identifier, else what is wrong."""
    # dk-core's SORIdentifier: system fixed, at least 11 digits (18 is the longest we store)
    sor = identifier(organisation, SOR_SYSTEM)
    if not sor or not sor.isdigit() or not 11 <= len(sor) <= 18:
        return f"the {who} Organization has no SOR identifier ({SOR_SYSTEM}, 11-18 digits)"
    return None


def _gln_ok(value: str | None) -> bool:
    """A 13-digit GLN whose last digit is its GS1 check digit (weights 1,3,1,3,... from the left)."""
    if not value or len(value) != 13 or not value.isdigit():
        return False
    weighted = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(value[:12]))
    return (10 - weighted % 10) % 10 == int(value[12])


def _sender(m):
    return m.resolve(m.header.get("sender"), "Organization", "MessageHeader.sender")


def _receiver(m):
    return m.resolve((m.header["destination"][0]).get("receiver"), "Organization",
                     "MessageHeader.destination.receiver")


def header_first(m):
    """FHIR bdl-12: a message Bundle starts with its MessageHeader."""
    return None if m.header.get("resourceType") == "MessageHeader" else "the first entry is not a MessageHeader"


def header_id(m):
    """The MessageHeader has the id the message is known by."""
    return None if m.header.get("id") else "the MessageHeader has no id"


def bundle_id(m):
    """The Bundle has an id."""
    return None if m.body.get("id") else "the Bundle has no id"


def bundle_timestamp(m):
    """The Bundle has a timestamp."""
    return None if m.body.get("timestamp") else "the Bundle has no timestamp"


def unique_entries(m):
    """FHIR bdl-7: no two entries share a fullUrl (else a reference could mean either)."""
    return f"two entries are both {sorted(m.clashes)[0][:80]!r}" if m.clashes else None


def event(m):
    """The event is MedCom's hospital-notification-message."""
    coding = m.header.get("eventCoding") or {}
    if coding.get("system") in EVENT_SYSTEMS and coding.get("code") == EVENT_CODE:
        return None
    return f"eventCoding must be {EVENT_SYSTEMS[0]}#{EVENT_CODE}"


def one_patient(m):
    """medcom-hospitalNotification-2: exactly one Patient."""
    count = len(m.of_type("Patient"))
    return None if count == 1 else f"the Bundle holds {count} Patients, not 1"


def cpr_system(m):
    """medcom-hospitalNotification-4: the Patient is identified in the CPR system."""
    return None if identifier(m.patient, CPR_SYSTEM) else f"the Patient has no identifier in {CPR_SYSTEM}"


def cpr_value(m):
    """dk-core's CPR identifier: ten digits that are a real birth date and century digit."""
    cpr = identifier(m.patient, CPR_SYSTEM)
    if cpr is None:   # no CPR at all is medcom-hospitalNotification-4's to say
        return None
    try:
        if len(cpr) == 10 and cpr.isdigit():
            birth_date(cpr)
            return None
    except (ValueError, KeyError):
        pass
    return "the Patient's CPR identifier is not a valid CPR number (ten digits)"


def official_name(m):
    """MedComCorePatient: name 1.., an official name with a family name."""
    names = [n for n in m.patient.get("name") or [] if isinstance(n, dict)]
    if any(n.get("use") == "official" and n.get("family") for n in names):
        return None
    return "the Patient has no official name with a family name"


def sender_sor(m):
    """The sender is a bundled Organization with a SOR identifier."""
    return sor_problem(_sender(m), "sender")


def one_destination(m):
    """One primary receiver and no carbon copy (destination[cc] 0..0)."""
    count = len(m.header.get("destination") or [])
    return None if count == 1 else f"the message has {count} destinations, not 1"


def primary_use(m):
    """medcom-hospitalNotification-5: the destination's use extension says 'primary'."""
    uses = [x.get("valueCoding") or {} for x in m.header["destination"][0].get("extension") or []
            if str(x.get("url", "")).endswith("destinationUseExtension")]
    if len(uses) == 1 and uses[0].get("system") == DESTINATION_USE_SYSTEM and uses[0].get("code") == "primary":
        return None
    return "the destination is not marked primary (medcom-messaging-destinationUseExtension)"


def receiver_sor(m):
    """The receiver is a bundled Organization with a SOR identifier."""
    return sor_problem(_receiver(m), "receiver")


def ean(m):
    """MedComMessagingOrganization: sender and receiver have an EAN (GLN) identifier."""
    for who, organisation in (("sender", _sender(m)), ("receiver", _receiver(m))):
        if not _gln_ok(identifier(organisation, GLN_SYSTEM)):
            return f"the {who} Organization has no valid EAN identifier ({GLN_SYSTEM}, 13 digits)"
    return None
