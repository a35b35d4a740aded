"""The guide's rules on the Encounter, its leave and the Provenances: cardinalities, the
elements the guide forbids, the code bindings, the use-case table and the times
(guide_rules.RULES names each check with its key)."""
from webui.fhir.codes import (
    ACTIVITIES,
    ACTIVITY_SYSTEM,
    CLASS_SYSTEM,
    COMBINATIONS,
    DEATH_COMBINATIONS,
    ENCOUNTER_CLASSES,
    ENCOUNTER_STATUSES,
)
from webui.fhir.header_rules import sor_problem
from webui.fhir.message_body import RuleBroken
from webui.fhir.message_parts import when

# MedComHospitalNotificationEncounter sets these to 0..0: the notification is sent without the
# patient's consent, so it carries a minimal data set (no diagnosis, no reason, no location)
NOT_ALLOWED = ("type", "serviceType", "priority", "basedOn", "participant", "appointment", "length",
               "reasonCode", "reasonReference", "diagnosis", "account", "hospitalization", "location", "partOf")


def focus(m):
    """Exactly one focus, a bundled Encounter."""
    if len(m.header.get("focus") or []) != 1:
        return "the MessageHeader must have exactly one focus (the Encounter)"
    return None if m.encounter else "no Encounter"


def subject(m):
    """The Encounter's subject is the Bundle's Patient."""
    if m.resolve(m.encounter.get("subject"), "Patient", "Encounter.subject") is not m.patient:
        return "Encounter.subject is not the Bundle's Patient"
    return None


def episode_of_care(m):
    """episodeOfCare 1..*, each with an identifier and no reference."""
    episodes = m.encounter.get("episodeOfCare") or []
    if not episodes:
        return "the Encounter has no episodeOfCare identifier"
    for episode in episodes:
        value = (episode.get("identifier") or {}).get("value")
        if not isinstance(value, str) or not value or episode.get("reference"):
            return "every episodeOfCare needs an identifier with a value, and no reference"
    return None


def period_start(m):
    """The Encounter has period.start."""
    return None if (m.encounter.get("period") or {}).get("start") else "the Encounter has no period.start"


def service_provider(m):
    """The serviceProvider is a bundled Organization with a SOR identifier."""
    return sor_problem(m.resolve(m.encounter.get("serviceProvider"), "Organization", "Encounter.serviceProvider"),
                        "serviceProvider")


def minimal(m):
    """The elements the guide sets to 0..0 are absent."""
    extra = [name for name in NOT_ALLOWED if m.encounter.get(name)]
    return f"the Encounter may not carry {', '.join(extra)}" if extra else None


def status_binding(m):
    """Encounter.status is from medcom-hospitalNotification-encounterStatus."""
    status = m.encounter.get("status")
    return None if status in ENCOUNTER_STATUSES else f"Encounter.status {str(status)[:40]!r} is not in the value set"


def class_binding(m):
    """Encounter.class is from medcom-hospitalNotification-encounterClass (v3-ActCode IMP or EMER)."""
    klass = m.encounter.get("class") or {}
    if klass.get("system") == CLASS_SYSTEM and klass.get("code") in ENCOUNTER_CLASSES:
        return None
    return f"Encounter.class must be {CLASS_SYSTEM}#IMP or #EMER"


def leave_extension(m):
    """At most one leave-period extension, and it has valuePeriod.start."""
    leaves = m.leave_extensions
    if len(leaves) > 1:
        return "the Encounter has more than one leave-period extension"
    if leaves and not (leaves[0].get("valuePeriod") or {}).get("start"):
        return "the leave-period extension has no valuePeriod.start"
    return None


def onleave_start(m):
    """medcom-hospitalNotification-6: an Encounter on leave tells when the leave began."""
    if m.encounter.get("status") == "onleave" and not m.leave_extensions:
        return "an Encounter on leave needs the leave-period extension with its start"
    return None


def this_provenance(m):
    """Exactly one Provenance targets this MessageHeader (medcom-messaging-2 asks for one at all)."""
    count = len(m.provenances_of_this_message())
    return None if count == 1 else f"{count} Provenances target this MessageHeader, not 1"


def provenance_shape(m):
    """Each Provenance: one target, occurredDateTime with a time zone, an agent who is bundled."""
    for provenance in m.of_type("Provenance"):
        if len(provenance.get("target") or []) != 1:
            return "a Provenance must have exactly one target"
        try:
            when(provenance.get("occurredDateTime"), "Provenance.occurredDateTime")
        except RuleBroken:
            return "a Provenance's occurredDateTime needs a date, a time and a time zone"
        agents = [m.find(a.get("who")) or {} for a in provenance.get("agent") or []]
        if not agents or any(who.get("resourceType") != "Organization" for who in agents):
            return "a Provenance's agent.who must be an Organization in the Bundle"
    return None


def activities(m):
    """medcom-hospitalNotification-3: every Provenance's activity is a HospitalNotification one."""
    for provenance in m.of_type("Provenance"):
        coding = ((provenance.get("activity") or {}).get("coding") or [{}])[0]
        if coding.get("system") != ACTIVITY_SYSTEM or coding.get("code") not in ACTIVITIES:
            return f"activity {str(coding.get('code'))[:60]!r} is not a HospitalNotification code of {ACTIVITY_SYSTEM}"
    return None


def deceased(m) -> bool:
    """Whether the Patient is told dead (deceased[x])."""
    return bool(m.patient.get("deceasedBoolean") or m.patient.get("deceasedDateTime"))


def combination(m):
    """The guide's use-case table: activity, class and status together make one notification."""
    activity = m.provenance["activity"]["coding"][0]["code"]
    klass, status = m.encounter["class"]["code"], m.encounter["status"]
    if (activity, klass, status) in (DEATH_COMBINATIONS if deceased(m) else COMBINATIONS):
        return None
    return (f"activity {activity} with class {klass} and status {status}"
            f"{' for a deceased patient' if deceased(m) else ''} is not in the guide's table")


def _times(m):
    period = m.encounter["period"]
    leave = (m.leave_extensions or [{}])[0].get("valuePeriod") or {}
    return (when(period["start"], "period.start"), when(period["end"], "period.end") if period.get("end") else None,
            *(when(leave[k], f"leave period {k}") if leave.get(k) else None for k in ("start", "end")))


def zoned(m):
    """Every time of the Encounter has a date, a time and a zone (else it is ambiguous)."""
    _times(m)   # raises with what is wrong
    return None


def finished_end(m):
    """A finished Encounter tells when it ended."""
    return "a finished Encounter needs period.end" if m.encounter["status"] == "finished" and \
        not m.encounter["period"].get("end") else None


def ordered(m):
    """FHIR per-1: a period does not end before it starts (the stay and its leave)."""
    start, end, leave_start, leave_end = _times(m)
    if end is not None and end < start:
        return "period.end is before period.start"
    if leave_start and leave_end and leave_end < leave_start:
        return "the leave ends before it starts"
    return None
