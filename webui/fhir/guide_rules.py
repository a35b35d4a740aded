"""The rules of MedCom's HospitalNotification guide that fhir.resources does not check, as ours.

fhir.resources checks FHIR's structure only: no profile, invariant or code binding. Each row of
RULES is one rule of the guide (v3.0.2) or of what it builds on (MedCom messaging 2.1.0, MedCom
core 2.0.0, HL7 Denmark's core 2.0.0, FHIR R4 itself): the rule's key, a check, and the error
code our Acknowledgement answers with. The rows run in order and the first broken rule answers,
so a check may rely on the rows above it (the Patient is there once, the focus resolves).
docs/interop.md lists every key, and which of the guide's rules are not checked and why.
"""
from collections.abc import Callable
from dataclasses import dataclass

from webui.fhir import encounter_rules as enc
from webui.fhir import header_rules as hdr
from webui.fhir.message_body import RuleBroken
from webui.fhir.message_parts import Parts


@dataclass(frozen=True)
class Rule:
    """One rule: the guide's key, our error code, and a check (None, or what is wrong)."""

    key: str
    code: str
    check: Callable[[Parts], str | None]


RULES = (
    Rule("bdl-12", "HN-HEADER-FIRST", hdr.header_first),
    Rule("MedComMessagingMessageHeader.id", "HN-HEADER-FIRST", hdr.header_id),
    Rule("MedComMessagingMessage.id", "HN-BUNDLE", hdr.bundle_id),
    Rule("MedComMessagingMessage.timestamp", "HN-BUNDLE", hdr.bundle_timestamp),
    Rule("bdl-7", "HN-REFERENCE", hdr.unique_entries),
    Rule("MedComHospitalNotificationMessageHeader.eventCoding", "HN-EVENT", hdr.event),
    Rule("medcom-hospitalNotification-2", "HN-PATIENT", hdr.one_patient),
    Rule("medcom-hospitalNotification-4", "HN-CPR", hdr.cpr_system),
    Rule("dk-core cpr", "HN-CPR", hdr.cpr_value),
    Rule("MedComCorePatient.name", "HN-PATIENT", hdr.official_name),
    Rule("MedComMessagingMessageHeader.sender", "HN-SENDER-SOR", hdr.sender_sor),
    Rule("MedComHospitalNotificationMessageHeader.destination", "HN-RECEIVER-SOR", hdr.one_destination),
    Rule("medcom-hospitalNotification-5", "HN-DESTINATION-USE", hdr.primary_use),
    Rule("MedComMessagingMessageHeader.destination.receiver", "HN-RECEIVER-SOR", hdr.receiver_sor),
    Rule("MedComMessagingOrganization.identifier[EAN-ID]", "HN-EAN", hdr.ean),
    Rule("MedComHospitalNotificationMessageHeader.focus", "HN-ENCOUNTER", enc.focus),
    Rule("MedComCoreEncounter.subject", "HN-REFERENCE", enc.subject),
    Rule("MedComHospitalNotificationEncounter.episodeOfCare", "HN-ENCOUNTER", enc.episode_of_care),
    Rule("MedComHospitalNotificationEncounter.period.start", "HN-ENCOUNTER", enc.period_start),
    Rule("MedComHospitalNotificationEncounter.serviceProvider", "HN-SERVICE-PROVIDER", enc.service_provider),
    Rule("MedComHospitalNotificationEncounter 0..0", "HN-MINIMAL", enc.minimal),
    Rule("MedComHospitalNotificationEncounter.status", "HN-CODE", enc.status_binding),
    Rule("MedComHospitalNotificationEncounter.class", "HN-CODE", enc.class_binding),
    Rule("MedComHospitalNotificationLeavePeriodExtension", "HN-LEAVE", enc.leave_extension),
    Rule("medcom-hospitalNotification-6", "HN-LEAVE", enc.onleave_start),
    Rule("medcom-messaging-2", "HN-PROVENANCE", enc.this_provenance),
    Rule("medcom-messaging-3", "HN-PROVENANCE", enc.provenance_shape),
    Rule("medcom-hospitalNotification-3", "HN-ACTIVITY", enc.activities),
    Rule("use-case table", "HN-COMBINATION", enc.combination),
    Rule("time zone", "HN-PERIOD", enc.zoned),
    Rule("finished end", "HN-PERIOD", enc.finished_end),
    Rule("per-1", "HN-PERIOD", enc.ordered),
)


def check(m: Parts) -> None:
    """Run the rules in order; the first broken one raises RuleBroken with its code and key."""
    for rule in RULES:
        try:
            wrong = rule.check(m)
        except RuleBroken as broken:   # a reference or a time inside the check: its own code
            raise RuleBroken(broken.code, broken.text, broken.key or rule.key) from None
        if wrong is not None:
            raise RuleBroken(rule.code, wrong, rule.key)
