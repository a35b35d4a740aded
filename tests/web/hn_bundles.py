"""Realistic MedCom HospitalNotification message bundles for the tests (shaped like the guide's
examples: MessageHeader first, Patient, Encounter, sender and receiver Organizations, and the
Provenance of this message plus those of the stay's earlier messages)."""
import uuid

from webui.fhir.codes import ACTIVITY_SYSTEM, CLASS_SYSTEM, CPR_SYSTEM, EVENT_CODE, EVENT_SYSTEMS, SOR_SYSTEM

HOSPITAL_SOR = "265161000016000"      # the guide's example sender (Herlev og Gentofte Hospital)
MUNICIPALITY_SOR = "953741000016009"  # the guide's example receiver
BASE = "https://medcomfhir.dk/ig/hospitalnotification"
LEAVE_URL = "http://medcomfhir.dk/ig/hospitalnotification/StructureDefinition/medcom-hospitalnotifiation-leave-period-extension"


def _org(org_id, sor, name):
    identifier = [{"system": "https://www.gs1.org/gln", "value": "5790000209354"}]
    if sor is not None:
        identifier.append({"system": SOR_SYSTEM, "value": sor})
    return {"resourceType": "Organization", "id": org_id, "identifier": identifier, "name": name}


def message(activity, klass, status, cpr, episode="5bdbd69c-8dd2-46c3-8530-accec273bc59",
            start="2026-03-01T12:00:00+01:00", end=None, message_id=None, deceased=False,
            occurred="2026-03-01T12:00:02+01:00", sender_sor=HOSPITAL_SOR,
            receiver_sor=MUNICIPALITY_SOR, earlier=(), family="Testesen", leave=None):
    """One HospitalNotification message Bundle as JSON. An Encounter on leave gets the guide's
    leave-period extension (its start defaults to the Provenance's time)."""
    ids = {k: str(uuid.uuid4()) for k in ("bundle", "patient", "encounter", "sender", "receiver", "prov")}
    header_id = message_id or str(uuid.uuid4())
    header = {
        "resourceType": "MessageHeader", "id": header_id,
        "eventCoding": {"system": EVENT_SYSTEMS[0], "code": EVENT_CODE},
        "destination": [{"extension": [{"url": "http://medcomfhir.dk/ig/messaging/StructureDefinition/medcom-messaging-destinationUseExtension",
                                        "valueCoding": {"system": "http://medcomfhir.dk/ig/terminology/CodeSystem/medcom-messaging-destinationUse",
                                                        "code": "primary"}}],
                         "endpoint": f"https://sor2.sum.dsdn.dk/#id={receiver_sor}",
                         "receiver": {"reference": f"{BASE}/Organization/{ids['receiver']}"}}],
        "sender": {"reference": f"{BASE}/Organization/{ids['sender']}"},
        "source": {"endpoint": f"https://sor2.sum.dsdn.dk/#id={sender_sor}"},
        "focus": [{"reference": f"{BASE}/Encounter/{ids['encounter']}"}],
    }
    patient = {"resourceType": "Patient", "id": ids["patient"],
               "identifier": [{"system": CPR_SYSTEM, "value": cpr}],
               "name": [{"use": "official", "family": family, "given": ["Bent"]}]}
    if deceased:
        patient["deceasedBoolean"] = True
    period = {"start": start, **({"end": end} if end else {})}
    encounter = {"resourceType": "Encounter", "id": ids["encounter"], "status": status,
                 "class": {"system": CLASS_SYSTEM, "code": klass},
                 "subject": {"reference": f"{BASE}/Patient/{ids['patient']}"},
                 "episodeOfCare": [{"identifier": {"system": f"https://sor2.sum.dsdn.dk/#id={sender_sor}",
                                                   "value": episode}}],
                 "period": period,
                 "serviceProvider": {"reference": f"{BASE}/Organization/{ids['sender']}"}}
    if leave is None and status == "onleave":
        leave = {"start": occurred}
    if leave:
        encounter["extension"] = [{"url": LEAVE_URL, "valuePeriod": leave}]

    def provenance(prov_id, code, target):
        return {"resourceType": "Provenance", "id": prov_id,
                "target": [{"reference": target}], "occurredDateTime": occurred, "recorded": occurred,
                "activity": {"coding": [{"system": ACTIVITY_SYSTEM, "code": code}]},
                "agent": [{"who": {"reference": f"{BASE}/Organization/{ids['sender']}"}}]}

    entries = [("MessageHeader", header), ("Patient", patient), ("Encounter", encounter),
               ("Organization", _org(ids["receiver"], receiver_sor, "Københavns Kommune")),
               ("Organization", _org(ids["sender"], sender_sor, "Psykiatrisk Center København"))]
    for code, earlier_id in earlier:  # the stay's earlier messages, as the guide's examples carry
        entries.append(("Provenance", provenance(str(uuid.uuid4()), code, f"{BASE}/MessageHeader/{earlier_id}")))
    entries.append(("Provenance", provenance(ids["prov"], activity, f"{BASE}/MessageHeader/{header_id}")))
    return {"resourceType": "Bundle", "id": ids["bundle"], "type": "message",
            "timestamp": occurred,
            "entry": [{"fullUrl": f"{BASE}/{kind}/{res['id']}", "resource": res} for kind, res in entries]}


def header_id(bundle):
    """The MessageHeader id of a message."""
    return bundle["entry"][0]["resource"]["id"]


def response(ack):
    """(response.identifier, response.code, our error code) of an Acknowledgement."""
    header = ack["entry"][0]["resource"]
    issue = next(e["resource"] for e in ack["entry"] if e["resource"]["resourceType"] == "OperationOutcome")
    return (header["response"]["identifier"], header["response"]["code"],
            issue["issue"][0]["details"]["coding"][0]["code"])
