"""The twelve example messages of MedCom's HospitalNotification guide (v3,
medcomdk/dk-medcom-hospitalnotification, input/fsh), rebuilt here from their content: the
MessageHeader ids, event, Encounter class/status/period/leave/episodeOfCare identifiers,
Provenance activities and times, the deceased flag, sender/serviceProvider and the
reportOfAdmission flag. The other resource ids are derived from the MessageHeader id."""
import uuid

from webui.fhir.codes import ACTIVITY_SYSTEM, CLASS_SYSTEM, CPR_SYSTEM, EVENT_CODE, EVENT_SYSTEMS, SOR_SYSTEM

BASE = "https://medcomfhir.dk/ig/hospitalnotification"
CPR = "2509479989"                     # Bruno Test Elmer, the guide's patient
RECEIVER_SOR = "953741000016009"       # Plejecenter Herlev
SENDER_SOR = "265161000016000"         # Hjerteafdelingen på Herlev og Gentofte hospital
SOR_EPISODE = {"system": f"https://sor2.sum.dsdn.dk/#id={SENDER_SOR}", "value": "bd481c38-a921-11ed-afa1-0242ac120002"}
LPR_EPISODE = {"system": "https://www.esundhed.dk/Registre/Landspatientregisteret",
               "value": "urn:uuid:fc60e762-b13b-5773-865e-67f3907bdcc7"}
LEAVE_URL = f"{BASE}/StructureDefinition/medcom-hospitalnotifiation-leave-period-extension"
STIN_ID, STOR_ID, STAA_ID = ("b9b4818e-02de-4cc4-b418-d20cbc7b5404", "e563a2b2-bf92-4b13-bbd2-0a021a95bded",
                             "i50fc5fe-2d11-4ef3-acac-2e2e5c6c0029")
ADMIT_IN = ("admit-inpatient", STIN_ID, "2022-12-07T12:00:02+02:00")
ADMIT_EM = ("admit-emergency", STAA_ID, "2022-12-01T10:00:06+02:00")


def _example(name, header, stamp, klass, status, start, activity, occurred, end=None, earlier=(), **more):
    return {"name": name, "header": header, "timestamp": stamp, "class": klass, "status": status,
            "start": start, "end": end, "activity": activity, "occurred": occurred, "earlier": earlier, **more}


EXAMPLES = [
    _example("STIN", STIN_ID, "2022-12-07T12:00:01+02:00", "IMP", "in-progress", "2022-12-07T12:00:00+02:00",
             "admit-inpatient", "2022-12-07T12:00:02+02:00", report=True),
    _example("RE_STIN", "cc47c1e2-78e6-4291-b071-f423a4f7fbfe", "2022-12-07T14:00:01+02:00", "IMP", "in-progress",
             "2022-12-07T13:00:00+02:00", "revise-admit-inpatient", "2022-12-07T14:00:02+02:00", earlier=(ADMIT_IN,)),
    _example("AN_STIN", "d8749b54-1aeb-4089-8941-8d876bdffc51", "2022-12-07T15:00:01+02:00", "IMP",
             "entered-in-error", "2022-12-07T12:00:00+02:00", "cancel-admit-inpatient", "2022-12-07T15:00:02+02:00",
             earlier=(ADMIT_IN,)),
    _example("STOR", STOR_ID, "2022-12-13T14:00:11+02:00", "IMP", "onleave", "2022-12-07T12:00:00+02:00",
             "start-leave-inpatient", "2022-12-13T14:00:12+02:00", earlier=(ADMIT_IN,),
             leave={"start": "2022-12-13T14:00:10+02:00"}),
    _example("SLOR", "f47254da-f170-46f0-b624-4778a9c92b1f", "2022-12-14T15:30:01+02:00", "IMP", "in-progress",
             "2022-12-07T12:00:00+02:00", "end-leave-inpatient", "2022-12-14T15:30:02+02:00",
             earlier=(ADMIT_IN, ("start-leave-inpatient", STOR_ID, "2022-12-13T14:00:12+02:00")),
             leave={"start": "2022-12-13T14:00:10+02:00", "end": "2022-12-14T15:30:00+02:00"}),
    _example("SLHJ_IMP", "g1affa53-c157-4080-abb0-8e681524f969", "2022-12-18T09:45:31+02:00", "IMP", "finished",
             "2022-12-07T12:00:00+02:00", "discharge-inpatient-home", "2022-12-18T09:45:32+02:00",
             end="2022-12-18T09:45:30+02:00", earlier=(ADMIT_IN,)),
    _example("MORS_IMP", "hefc6d95-6161-4493-99c9-f359488dedb8", "2022-12-09T09:45:31+02:00", "IMP", "finished",
             "2022-12-07T12:00:00+02:00", "admit-inpatient", "2022-12-09T09:45:32+02:00",
             end="2022-12-09T09:45:30+02:00", earlier=(ADMIT_IN,), deceased=True),
    _example("STAA", STAA_ID, "2022-12-01T10:00:05+02:00", "EMER", "in-progress", "2022-12-01T10:00:04+02:00",
             "admit-emergency", "2022-12-01T10:00:06+02:00"),
    _example("SLHJ_EMER", "m9bea09c-e662-4d59-b84f-9af570b57f42", "2022-12-02T22:00:10+02:00", "EMER", "finished",
             "2022-12-01T10:00:04+02:00", "discharge-emergency-home", "2022-12-02T22:00:11+02:00",
             end="2022-12-02T22:00:09+02:00", earlier=(ADMIT_EM,)),
    _example("MORS_EMER", "nabb68aa-c97b-4905-a60c-71ff3209fd51", "2022-12-02T07:00:01+02:00", "EMER", "finished",
             "2022-12-01T10:00:04+02:00", "admit-emergency", "2022-12-02T07:00:02+02:00",
             end="2022-12-02T07:00:00+02:00", earlier=(ADMIT_EM,), deceased=True),
    # the sender (a department) differs from the serviceProvider; the guide lists its Organization
    # before the Encounter and writes the episode identifier as a urn:uuid
    _example("STIN_SERVICE_PROVIDER", "o9b4818e-12de-5cc4-c418-d30cbc7b5404", "2022-12-07T12:00:01+02:00", "IMP",
             "in-progress", "2022-12-07T12:00:00+02:00", "admit-inpatient", "2022-12-09T12:00:02+02:00",
             provider_first=True, episodes=[{**SOR_EPISODE, "value": "urn:uuid:" + SOR_EPISODE["value"]}]),
    # an LPR identifier before the SOR one
    _example("STIN_TWO_EPISODES", "1ca19ddf-31bc-4597-8739-968c38dd88f8", "2022-12-07T12:00:01+02:00", "IMP",
             "in-progress", "2022-12-07T12:00:00+02:00", "admit-inpatient", "2022-12-07T12:00:02+02:00",
             episodes=[LPR_EPISODE, {**SOR_EPISODE, "value": "urn:uuid:" + SOR_EPISODE["value"]}]),
]
BY_NAME = {e["name"]: e for e in EXAMPLES}


def _id(header, what):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{header}/{what}"))


def _org(org_id, sor, ean, name):
    return {"resourceType": "Organization", "id": org_id, "name": name,
            "identifier": [{"system": SOR_SYSTEM, "value": sor}, {"system": "https://www.gs1.org/gln", "value": ean}]}


def bundle(example):
    """The example as a message Bundle (JSON), in the guide's order of entries."""
    h = example["header"]
    ids = {k: _id(h, k) for k in ("bundle", "patient", "encounter", "receiver", "sender", "provider", "prov")}
    ref = lambda kind, key: {"reference": f"{BASE}/{kind}/{ids[key]}"}  # noqa: E731
    header = {"resourceType": "MessageHeader", "id": h,
              "eventCoding": {"system": EVENT_SYSTEMS[0], "code": EVENT_CODE},
              "destination": [{"extension": [{"url": "http://medcomfhir.dk/ig/messaging/StructureDefinition/medcom-messaging-destinationUseExtension",
                                              "valueCoding": {"system": "http://medcomfhir.dk/ig/terminology/CodeSystem/medcom-messaging-destinationUse",
                                                              "code": "primary"}}],
                               "endpoint": f"https://sor2.sum.dsdn.dk/#id={RECEIVER_SOR}", "receiver": ref("Organization", "receiver")}],
              "sender": ref("Organization", "sender"),
              "source": {"endpoint": f"https://sor2.sum.dsdn.dk/#id={SENDER_SOR}"},
              "focus": [ref("Encounter", "encounter")]}
    if example.get("report"):
        header["extension"] = [
            {"url": f"{BASE}/StructureDefinition/medcom-hospitalNotification-reportOfAdmissionExtension", "valueBoolean": True},
            {"url": f"{BASE}/StructureDefinition/medcom-hospitalNotification-reportOfAdmissionRecipientExtension",
             "valueReference": ref("Organization", "sender")}]
    patient = {"resourceType": "Patient", "id": ids["patient"], "identifier": [{"system": CPR_SYSTEM, "value": CPR}],
               "name": [{"use": "official", "family": "Elmer", "given": ["Bruno", "Test"]}]}
    if example.get("deceased"):
        patient["deceasedBoolean"] = True
    provider = "provider" if example.get("provider_first") else "sender"
    encounter = {"resourceType": "Encounter", "id": ids["encounter"], "status": example["status"],
                 "class": {"system": CLASS_SYSTEM, "code": example["class"]}, "subject": ref("Patient", "patient"),
                 "episodeOfCare": [{"identifier": i} for i in example.get("episodes", [SOR_EPISODE])],
                 "period": {"start": example["start"], **({"end": example["end"]} if example["end"] else {})},
                 "serviceProvider": ref("Organization", provider)}
    if example.get("leave"):
        encounter["extension"] = [{"url": LEAVE_URL, "valuePeriod": example["leave"]}]

    def provenance(prov_id, activity, target, when):
        return {"resourceType": "Provenance", "id": prov_id, "target": [{"reference": f"{BASE}/MessageHeader/{target}"}],
                "occurredDateTime": when, "recorded": when,
                "activity": {"coding": [{"system": ACTIVITY_SYSTEM, "code": activity}]},
                "agent": [{"who": ref("Organization", "sender")}]}

    receiver = _org(ids["receiver"], RECEIVER_SOR, "5790001348120", "Plejecenter Herlev")
    sender = _org(ids["sender"], SENDER_SOR, "5790000209354", "Hjerteafdelingen på Herlev og Gentofte hospital")
    entries = [header, patient]
    if example.get("provider_first"):
        # a MedComCoreOrganization: a SOR identifier of its own and no EAN (it sends nothing)
        entries.append({"resourceType": "Organization", "id": ids["provider"], "name": "Hjertemedicinsk sengeafs. S103",
                        "identifier": [{"system": SOR_SYSTEM, "value": "399841000016000"}]})
    entries += [encounter, receiver, sender]
    entries += [provenance(_id(h, f"earlier-{n}"), a, t, w) for n, (a, t, w) in enumerate(example["earlier"])]
    entries.append(provenance(ids["prov"], example["activity"], h, example["occurred"]))
    return {"resourceType": "Bundle", "id": ids["bundle"], "type": "message", "timestamp": example["timestamp"],
            "entry": [{"fullUrl": f"{BASE}/{r['resourceType']}/{r['id']}", "resource": r} for r in entries]}
