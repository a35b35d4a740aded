"""One message per rule of webui/fhir/guide_rules.RULES that breaks that rule and no other: a
valid admission (hn_bundles.message) with one change. The unit tests prove "no other" by
parsing it with that rule taken out of the table; the web tests post it and see nothing change."""
import copy

from tests.web.hn_bundles import LEAVE_URL, message

CPR = "0101901235"
SOR = "urn:oid:1.2.208.176.1.1"


def admit(**more):
    """The valid admission every case starts from."""
    return message("admit-inpatient", "IMP", "in-progress", CPR, message_id="rule-case-1", **more)


def res(bundle, kind, index=0):
    """The index-th resource of a kind."""
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind][index]


def entry_of(bundle, resource):
    """The entry that holds a resource."""
    return next(e for e in bundle["entry"] if e["resource"] is resource)


def _edit(change, bundle=None):
    bundle = copy.deepcopy(bundle or admit())
    change(bundle)
    return bundle


def _without_sor(organisation):
    organisation["identifier"] = [i for i in organisation["identifier"] if i["system"] != SOR]


def _own_provider(bundle, with_sor=True):
    """Give the Encounter its own serviceProvider Organization (the guide allows one apart from
    the sender), so a change to the sender does not touch the serviceProvider."""
    provider = copy.deepcopy(res(bundle, "Organization", 1))
    provider["id"] = "provider-1"
    if not with_sor:
        _without_sor(provider)
    bundle["entry"].append({"fullUrl": "Organization/provider-1", "resource": provider})
    res(bundle, "Encounter")["serviceProvider"] = {"reference": "Organization/provider-1"}


def _sender_without_sor(bundle):
    _own_provider(bundle)
    _without_sor(res(bundle, "Organization", 1))


def _duplicate_full_url(bundle):
    receiver = res(bundle, "Organization", 0)
    twin = dict(copy.deepcopy(receiver), id="twin-1", name="Another")
    bundle["entry"].append({"fullUrl": entry_of(bundle, receiver)["fullUrl"], "resource": twin})


def _second_patient(bundle):
    patient = dict(copy.deepcopy(res(bundle, "Patient")), id="patient-2")
    bundle["entry"].append({"fullUrl": "Patient/patient-2", "resource": patient})


def _two_leaves():
    bundle = message("start-leave-inpatient", "IMP", "onleave", CPR, message_id="rule-case-1")
    encounter = res(bundle, "Encounter")
    encounter["extension"].append({"url": LEAVE_URL, "valuePeriod": {"start": "2026-03-02T10:00:00+01:00"}})
    return bundle


# rule key -> (the message that breaks it, our error code)
BREAKS = {
    "bdl-12": (_edit(lambda b: b["entry"].insert(1, b["entry"].pop(0))), "HN-HEADER-FIRST"),
    "MedComMessagingMessageHeader.id": (_edit(lambda b: b["entry"][0]["resource"].pop("id")), "HN-HEADER-FIRST"),
    "MedComMessagingMessage.id": (_edit(lambda b: b.pop("id")), "HN-BUNDLE"),
    "MedComMessagingMessage.timestamp": (_edit(lambda b: b.pop("timestamp")), "HN-BUNDLE"),
    "bdl-7": (_edit(_duplicate_full_url), "HN-REFERENCE"),
    "MedComHospitalNotificationMessageHeader.eventCoding": (
        _edit(lambda b: b["entry"][0]["resource"]["eventCoding"].update(code="care-communication-message")), "HN-EVENT"),
    "medcom-hospitalNotification-2": (_edit(_second_patient), "HN-PATIENT"),
    "medcom-hospitalNotification-4": (
        _edit(lambda b: res(b, "Patient")["identifier"][0].update(system="urn:oid:1.2.208.176.1.99")), "HN-CPR"),
    "dk-core cpr": (message("admit-inpatient", "IMP", "in-progress", "3213901235", message_id="rule-case-1"),
                    "HN-CPR"),
    "MedComCorePatient.name": (_edit(lambda b: res(b, "Patient").pop("name")), "HN-PATIENT"),
    "MedComMessagingMessageHeader.sender": (_edit(_sender_without_sor), "HN-SENDER-SOR"),
    "MedComHospitalNotificationMessageHeader.destination": (
        _edit(lambda b: b["entry"][0]["resource"]["destination"].append(
            copy.deepcopy(b["entry"][0]["resource"]["destination"][0]))), "HN-RECEIVER-SOR"),
    "medcom-hospitalNotification-5": (
        _edit(lambda b: b["entry"][0]["resource"]["destination"][0]["extension"][0]["valueCoding"].update(code="cc")),
        "HN-DESTINATION-USE"),
    "MedComMessagingMessageHeader.destination.receiver": (
        _edit(lambda b: _without_sor(res(b, "Organization", 0))), "HN-RECEIVER-SOR"),
    "MedComMessagingOrganization.identifier[EAN-ID]": (   # the check digit of 5790000209354 is 4
        _edit(lambda b: res(b, "Organization", 1)["identifier"][0].update(value="5790000209355")), "HN-EAN"),
    "MedComHospitalNotificationMessageHeader.focus": (
        _edit(lambda b: b["entry"][0]["resource"]["focus"].append(b["entry"][0]["resource"]["focus"][0])),
        "HN-ENCOUNTER"),
    "MedComCoreEncounter.subject": (
        _edit(lambda b: res(b, "Encounter").update(subject=b["entry"][0]["resource"]["sender"])), "HN-REFERENCE"),
    "MedComHospitalNotificationEncounter.episodeOfCare": (
        _edit(lambda b: res(b, "Encounter")["episodeOfCare"][0].update(reference="EpisodeOfCare/1")),
        "HN-ENCOUNTER"),
    "MedComHospitalNotificationEncounter.period.start": (
        _edit(lambda b: res(b, "Encounter")["period"].pop("start")), "HN-ENCOUNTER"),
    "MedComHospitalNotificationEncounter.serviceProvider": (
        _edit(lambda b: _own_provider(b, with_sor=False)), "HN-SERVICE-PROVIDER"),
    "MedComHospitalNotificationEncounter 0..0": (
        _edit(lambda b: res(b, "Encounter").update(reasonCode=[{"text": "Psykotisk episode"}])), "HN-MINIMAL"),
    "MedComHospitalNotificationEncounter.status": (
        message("admit-inpatient", "IMP", "cancelled", CPR, message_id="rule-case-1"), "HN-CODE"),
    "MedComHospitalNotificationEncounter.class": (
        _edit(lambda b: res(b, "Encounter")["class"].update(system="http://example.org/classes")), "HN-CODE"),
    "MedComHospitalNotificationLeavePeriodExtension": (_two_leaves(), "HN-LEAVE"),
    "medcom-hospitalNotification-6": (
        message("start-leave-inpatient", "IMP", "onleave", CPR, message_id="rule-case-1", leave={}), "HN-LEAVE"),
    "medcom-messaging-2": (_edit(lambda b: b["entry"].pop()), "HN-PROVENANCE"),
    "medcom-messaging-3": (_edit(lambda b: res(b, "Provenance", 0).update(occurredDateTime="2026-03-01"),
                                 admit(earlier=[("admit-inpatient", "m0")])), "HN-PROVENANCE"),
    "medcom-hospitalNotification-3": (admit(earlier=[("transfer-inpatient", "m0")]), "HN-ACTIVITY"),
    "use-case table": (message("admit-inpatient", "IMP", "onleave", CPR, message_id="rule-case-1"), "HN-COMBINATION"),
    "time zone": (admit(start="2026-03-01T12:00:00"), "HN-PERIOD"),
    "finished end": (message("discharge-inpatient-home", "IMP", "finished", CPR, message_id="rule-case-1"),
                     "HN-PERIOD"),
    "per-1": (message("discharge-inpatient-home", "IMP", "finished", CPR, message_id="rule-case-1",
                      start="2026-03-05T10:00:00+01:00", end="2026-03-04T10:00:00+01:00"), "HN-PERIOD"),
}

# rules later rules or the facts rely on (the table runs in order), so a message without them
# cannot get past the rest: each still has its own case above, refused with its own key
GUARDS = {
    "bdl-12": "every later rule reads the first entry as the MessageHeader",
    "MedComMessagingMessageHeader.id": "the notification is known by the MessageHeader id",
    "MedComHospitalNotificationEncounter.period.start": "the stay's start is the notification's time",
    "MedComHospitalNotificationEncounter.status": "a status outside the value set is in no row of the use-case table",
    "medcom-messaging-2": "the activity is read from this message's Provenance",
    "use-case table": "the notification's code is the table's row",
    "time zone": "the facts read every time as UTC",
}
