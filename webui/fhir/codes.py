"""The MedCom HospitalNotification code table: which Encounter.class, Encounter.status and
Provenance.activity together make which notification (STIN, STAA, STOR, SLOR, SLHJ, MORS and
their RE_ corrections and AN_ cancellations), and the coded errors of our rule checks.

Data, not code: docs/interop.md prints the same table, and a test checks they agree.
"""

CPR_SYSTEM = "urn:oid:1.2.208.176.1.2"
SOR_SYSTEM = "urn:oid:1.2.208.176.1.1"
# the guide's episodeOfCare identifier system: the SOR id of the sender/serviceProvider follows
SOR_EPISODE_SYSTEM = "https://sor2.sum.dsdn.dk/#id="
ACTIVITY_SYSTEM = "http://medcomfhir.dk/ig/terminology/CodeSystem/medcom-messaging-activityCodes"
# the guide's current spelling first; the older camel-case one is still seen from some senders
EVENT_SYSTEMS = ("http://medcomfhir.dk/ig/terminology/CodeSystem/medcom-messaging-eventCodes",
                 "http://medcomfhir.dk/ig/terminology/CodeSystem/medcom-messagingEventCodes")
EVENT_CODE = "hospital-notification-message"
ACK_EVENT_CODE = "acknowledgement-message"
CLASS_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
GLN_SYSTEM = "https://www.gs1.org/gln"   # an Organization's EAN location number
DESTINATION_USE_SYSTEM = "http://medcomfhir.dk/ig/terminology/CodeSystem/medcom-messaging-destinationUse"
# the guide's required value sets for Encounter.status and Encounter.class
ENCOUNTER_STATUSES = ("in-progress", "onleave", "finished", "entered-in-error")
ENCOUNTER_CLASSES = ("IMP", "EMER")
ERROR_SYSTEM = "https://forlob.dk/fhir/CodeSystem/hospital-notification-errors"

# (Provenance.activity, Encounter.class, Encounter.status) -> notification code.
# RE_ keeps the status of what it corrects; AN_ carries the status the stay returns to
# (entered-in-error when the start itself is cancelled).
COMBINATIONS = {
    ("admit-inpatient", "IMP", "in-progress"): "STIN",
    ("revise-admit-inpatient", "IMP", "in-progress"): "RE_STIN",
    ("cancel-admit-inpatient", "IMP", "entered-in-error"): "AN_STIN",
    ("admit-emergency", "EMER", "in-progress"): "STAA",
    ("revise-admit-emergency", "EMER", "in-progress"): "RE_STAA",
    ("cancel-admit-emergency", "EMER", "entered-in-error"): "AN_STAA",
    ("start-leave-inpatient", "IMP", "onleave"): "STOR",
    ("revise-start-leave-inpatient", "IMP", "onleave"): "RE_STOR",
    ("cancel-start-leave-inpatient", "IMP", "in-progress"): "AN_STOR",
    ("end-leave-inpatient", "IMP", "in-progress"): "SLOR",
    ("revise-end-leave-inpatient", "IMP", "in-progress"): "RE_SLOR",
    ("cancel-end-leave-inpatient", "IMP", "onleave"): "AN_SLOR",
    ("discharge-inpatient-home", "IMP", "finished"): "SLHJ",
    ("revise-discharge-inpatient-home", "IMP", "finished"): "RE_SLHJ",
    ("cancel-discharge-inpatient-home", "IMP", "in-progress"): "AN_SLHJ",
    ("discharge-emergency-home", "EMER", "finished"): "SLHJ",
    ("revise-discharge-emergency-home", "EMER", "finished"): "RE_SLHJ",
    ("cancel-discharge-emergency-home", "EMER", "in-progress"): "AN_SLHJ",
}
# A death (MORS) is a finished Encounter whose Patient has deceased[x] set; the activity is the
# one of the stay's start (death on arrival, as in the guide's examples) or of its end.
DEATH_COMBINATIONS = {
    ("admit-inpatient", "IMP", "finished"): "MORS",
    ("admit-emergency", "EMER", "finished"): "MORS",
    ("discharge-inpatient-home", "IMP", "finished"): "MORS",
    ("discharge-emergency-home", "EMER", "finished"): "MORS",
    ("revise-discharge-inpatient-home", "IMP", "finished"): "RE_MORS",
    ("revise-discharge-emergency-home", "EMER", "finished"): "RE_MORS",
}
ACTIVITIES = frozenset(a for a, _, _ in COMBINATIONS)

# Our rule checks: code -> (HTTP status, FHIR issue type, ack response code, what it means).
ERRORS = {
    "HN-AUTH": (401, "security", "fatal-error", "a valid bearer token is required"),
    "HN-MEDIA-TYPE": (415, "not-supported", "fatal-error", "send application/fhir+json or application/fhir+xml"),
    "HN-XML": (400, "structure", "fatal-error", "the body is not a readable FHIR XML Bundle"),
    "HN-SIZE": (413, "too-long", "fatal-error", "the message is larger than allowed"),
    "HN-ENCODING": (400, "invalid", "fatal-error", "the body is not valid UTF-8 text"),
    "HN-JSON": (400, "structure", "fatal-error", "the body is not a JSON object"),
    "HN-NESTING": (400, "structure", "fatal-error", "the JSON is nested too deeply"),
    "HN-STRUCTURE": (400, "structure", "fatal-error", "not a valid FHIR R4 Bundle"),
    "HN-BUNDLE-TYPE": (422, "invalid", "fatal-error", "the Bundle's type must be 'message'"),
    "HN-BUNDLE": (422, "required", "fatal-error", "the Bundle needs an id and a timestamp"),
    "HN-HEADER-FIRST": (422, "structure", "fatal-error", "the first entry must be a MessageHeader"),
    "HN-EVENT": (422, "code-invalid", "fatal-error", "the MessageHeader's event code is wrong"),
    "HN-REFERENCE": (422, "structure", "fatal-error", "a reference does not resolve in the Bundle"),
    "HN-PATIENT": (422, "invalid", "fatal-error", "the Bundle must hold exactly one Patient"),
    "HN-CPR": (422, "value", "fatal-error", "the Patient needs a valid CPR identifier"),
    "HN-SENDER-SOR": (422, "required", "fatal-error", "the sender needs a SOR identifier"),
    "HN-RECEIVER-SOR": (422, "required", "fatal-error", "one primary receiver with a SOR identifier"),
    "HN-DESTINATION-USE": (422, "code-invalid", "fatal-error", "the receiver must be marked as the primary one"),
    "HN-EAN": (422, "required", "fatal-error", "sender and receiver need a valid EAN (GLN) identifier"),
    "HN-SENDER-NOT-CLIENT": (403, "forbidden", "fatal-error", "the sender's SOR code is not one of this client's"),
    "HN-ENCOUNTER": (422, "required", "fatal-error", "the focus must be a complete Encounter"),
    "HN-SERVICE-PROVIDER": (422, "required", "fatal-error", "the Encounter's serviceProvider needs a SOR identifier"),
    "HN-MINIMAL": (422, "business-rule", "fatal-error", "the Encounter carries data the guide does not allow"),
    "HN-CODE": (422, "code-invalid", "fatal-error", "a code is not from the guide's value set"),
    "HN-LEAVE": (422, "required", "fatal-error", "a leave needs the leave-period extension with its start"),
    "HN-PROVENANCE": (422, "required", "fatal-error", "a Provenance must name this message's activity"),
    "HN-ACTIVITY": (422, "code-invalid", "fatal-error", "the activity code is not a HospitalNotification code"),
    "HN-COMBINATION": (422, "business-rule", "fatal-error", "class, status and activity do not go together"),
    "HN-PERIOD": (422, "business-rule", "fatal-error", "the Encounter's period is not valid"),
    "HN-DUPLICATE-ID": (409, "duplicate", "fatal-error", "this MessageHeader id came before with other content"),
    "HN-ENCOUNTER-UNKNOWN": (422, "not-found", "fatal-error", "no stay with this episode-of-care identifier"),
    "HN-STATE": (422, "business-rule", "fatal-error", "the notification does not fit the stay's state"),
    "HN-TRANSIENT": (503, "transient", "transient-error", "try again later"),
}
