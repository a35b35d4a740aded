"""The pathway as FHIR R4 resources (read-only): Patient, EpisodeOfCare, searchset Bundles and
the CapabilityStatement. Plain functions from rows to JSON; each result validates with
fhir.resources (R4B models) before it leaves.
"""
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from engine.clock import as_utc
from webui.fhir.codes import CPR_SYSTEM

ORG_SYSTEM = "https://forlob.dk/fhir/NamingSystem/organisation"
USER_SYSTEM = "https://forlob.dk/fhir/NamingSystem/user"
STAGE_EXTENSION = "https://forlob.dk/fhir/StructureDefinition/pathway-stage"
PATHWAY_TYPE = {"system": "https://forlob.dk/fhir/CodeSystem/pathway-type", "code": "integreret-dobbeltdiagnose",
                "display": "Integreret forløb for borgere med psykisk lidelse og samtidigt misbrug"}
GENDERS = {"M": "male", "K": "female"}


def _instant(value):
    """An instant with its zone (SQLite hands back naive UTC times)."""
    return as_utc(value).isoformat() if value is not None else None


def _org(code):
    return {"identifier": {"system": ORG_SYSTEM, "value": code}, "display": code}


def patient(row) -> dict:
    """A minimal Patient: CPR identifier, name, gender and birth date."""
    resource = {"resourceType": "Patient", "id": str(row.id),
                "identifier": [{"system": CPR_SYSTEM, "value": row.cpr}],
                "name": [{"use": "official", "text": row.name}],
                "gender": GENDERS.get(row.sex, "unknown")}
    if row.birth_date:
        resource["birthDate"] = row.birth_date.isoformat()
    return resource


def _care_team(pathway, organisations):
    """The pathway's team as a contained CareTeam: the organisations taking part and the tovholder."""
    team = {"resourceType": "CareTeam", "id": "team", "status": "active" if pathway.status == "active" else "inactive",
            "participant": [{"member": _org(code)} for code in organisations]}
    if pathway.tovholder:
        team["participant"].append({"role": [{"text": "tovholder"}], "member": {
            "identifier": {"system": USER_SYSTEM, "value": pathway.tovholder}, "display": pathway.tovholder}})
    return team


def episode_of_care(pathway, runs, organisations=()) -> dict:
    """The pathway as an EpisodeOfCare: status, stage history, period, tovholder, team, organisations."""
    ended = pathway.status != "active"
    period = {"start": _instant(pathway.started_at)}
    if ended and pathway.ended_at:
        period["end"] = _instant(pathway.ended_at)
    resource = {
        "resourceType": "EpisodeOfCare", "id": str(pathway.id),
        "meta": {"lastUpdated": _instant(pathway.updated_at)},
        "extension": [{"url": STAGE_EXTENSION, "valueCode": pathway.stage or "henvisning"}],
        "status": "finished" if ended else "active",
        # each archived stage run was a period of the episode being active in that stage
        "statusHistory": [{"extension": [{"url": STAGE_EXTENSION, "valueCode": r.stage}], "status": "active",
                           "period": {"start": _instant(r.started_at), "end": _instant(r.ended_at)}}
                          for r in runs],
        "type": [{"coding": [PATHWAY_TYPE]}],
        "patient": {"reference": f"Patient/{pathway.patient_id}"},
        "period": period,
    }
    if pathway.region_org:
        resource["managingOrganization"] = _org(pathway.region_org)
    if pathway.tovholder:
        resource["careManager"] = {"identifier": {"system": USER_SYSTEM, "value": pathway.tovholder},
                                   "display": pathway.tovholder}
    if organisations or pathway.tovholder:
        resource["contained"] = [_care_team(pathway, organisations)]
        resource["team"] = [{"reference": "#team"}]
    return resource


def validate(resource) -> dict:
    """Check one resource with fhir.resources (pydantic ValidationError when it is not valid FHIR)."""
    get_fhir_model_class(resource["resourceType"]).parse_obj(resource)
    return resource


def searchset(resources, base, self_url, total, next_url=None) -> dict:
    """A searchset Bundle of the given resources (validated)."""
    links = [{"relation": "self", "url": self_url}]
    if next_url:
        links.append({"relation": "next", "url": next_url})
    bundle = {"resourceType": "Bundle", "type": "searchset", "total": total, "link": links,
              "entry": [{"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r,
                         "search": {"mode": "match"}} for r in resources]}
    Bundle.parse_obj(bundle)
    return bundle


def capability_statement(base, date) -> dict:
    """What this server offers: $process-message for HospitalNotification, and the reads."""
    search = [{"name": "identifier", "type": "token"}, {"name": "_lastUpdated", "type": "date"}]
    statement = {
        "resourceType": "CapabilityStatement", "status": "active", "date": date, "kind": "instance",
        "software": {"name": "Forløb"}, "implementation": {"description": "Forløb FHIR endpoint", "url": base},
        "fhirVersion": "4.0.1", "format": ["application/fhir+json"],
        "rest": [{
            "mode": "server",
            "security": {"description": "Bearer token of a hospital-systems API client (docs/api.md); "
                                        "results are limited to the client organisation's pathways."},
            "resource": [
                {"type": "Patient", "interaction": [{"code": "read"}, {"code": "search-type"}],
                 "searchParam": search},
                {"type": "EpisodeOfCare", "interaction": [{"code": "search-type"}],
                 "searchParam": [{"name": "patient", "type": "reference"}, search[1]]},
                {"type": "Encounter", "interaction": [{"code": "search-type"}],
                 "searchParam": [{"name": "patient", "type": "reference"}, search[1]]},
                {"type": "Task", "interaction": [{"code": "search-type"}],
                 "searchParam": [{"name": "patient", "type": "reference"}, search[1]]},
                {"type": "CarePlan", "interaction": [{"code": "search-type"}],
                 "searchParam": [{"name": "patient", "type": "reference"}, search[1]]},
                {"type": "Questionnaire", "interaction": [{"code": "read"}, {"code": "search-type"}],
                 "searchParam": [{"name": "_id", "type": "token"}, {"name": "url", "type": "uri"}]},
                {"type": "QuestionnaireResponse", "interaction": [{"code": "search-type"}],
                 "searchParam": [{"name": "patient", "type": "reference"}, search[1]]},
                {"type": "Observation", "interaction": [{"code": "search-type"}],
                 "documentation": "Pathway markers (forløbsmarkører), docs/interop.md",
                 "searchParam": [{"name": "patient", "type": "reference"}, {"name": "code", "type": "token"},
                                 {"name": "category", "type": "token"}, search[1]]},
            ],
            "operation": [{"name": "process-message",
                           "definition": "http://hl7.org/fhir/OperationDefinition/MessageHeader-process-message"},
                          {"name": "everything",
                           "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything"}],
        }],
        "messaging": [{"supportedMessage": [{
            "mode": "receiver",
            "definition": "http://medcomfhir.dk/ig/hospitalnotification/MessageDefinition/medcom-hospitalNotification-messageDefinition"}],
            "documentation": "MedCom HospitalNotification v3, answered with a MedCom Acknowledgement "
                             "(docs/interop.md)."}],
    }
    CapabilityStatement.parse_obj(statement)
    return statement


ENCOUNTER_STATUS = {"in-progress": "in-progress", "onleave": "onleave", "finished": "finished",
                    "entered-in-error": "entered-in-error"}


def encounter(stay) -> dict:
    """A hospital stay (told by HospitalNotifications) as an Encounter of the pathway."""
    period = {"start": _instant(stay.started_at)}
    if stay.ended_at:
        period["end"] = _instant(stay.ended_at)
    system, _, value = stay.episode.rpartition("|")
    return {"resourceType": "Encounter", "id": str(stay.id),
            "meta": {"lastUpdated": _instant(stay.updated_at)},
            "identifier": [{"system": system, "value": value}] if system else [{"value": value}],
            "status": ENCOUNTER_STATUS.get(stay.status, "unknown"),
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": stay.encounter_class},
            "subject": {"reference": f"Patient/{stay.patient_id}"},
            "episodeOfCare": [{"reference": f"EpisodeOfCare/{stay.pathway_id}"}],
            "period": period}


def _task(task_id, status, title, pathway, form_id, lane):
    resource = {"resourceType": "Task", "id": task_id, "status": status, "intent": "order",
                "description": title or form_id or "opgave",
                "for": {"reference": f"Patient/{pathway.patient_id}"},
                "basedOn": [{"reference": f"EpisodeOfCare/{pathway.id}"}]}
    if form_id:
        resource["focus"] = {"reference": f"Questionnaire/{form_id.replace('_', '-')}"}
    if lane:
        resource["performerType"] = [{"text": lane}]
    return resource


def open_task(item, pathway) -> dict:
    """An open user task of the worklist: owner organisation, lane, due date, claimed or not."""
    resource = _task(f"open-{item.id}", "in-progress" if item.assignee else "ready", item.title, pathway,
                     item.form_id, item.lane)
    resource["authoredOn"] = _instant(item.created_at)
    if item.org_code:
        resource["owner"] = _org(item.org_code)
    if item.due_at:
        resource["restriction"] = {"period": {"end": _instant(item.due_at)}}
    return resource


def done_task(row, pathway) -> dict:
    """A completed user task from the pathway's history."""
    resource = _task(f"done-{row.id}", "completed", row.title, pathway, row.form_id, row.lane)
    resource["lastModified"] = _instant(row.at)
    resource["executionPeriod"] = {"end": _instant(row.at)}
    return resource


def care_plan(pathway, plan, open_items, done_records) -> dict:
    """The pathway's coordinated plan as a CarePlan: the latest koordineret_plan form (its note,
    items and review date) and the pathway's tasks as activities (open ones, then the latest
    completed ones: bounded, so the answer does not grow with the pathway's age)."""
    ended = pathway.status != "active"
    period = {"start": _instant(pathway.started_at)}
    if ended and pathway.ended_at:
        period["end"] = _instant(pathway.ended_at)
    resource = {"resourceType": "CarePlan", "id": str(pathway.id),
                "meta": {"lastUpdated": _instant(pathway.updated_at)},
                "status": "completed" if ended else "active", "intent": "plan",
                "title": "Koordineret plan", "category": [{"coding": [PATHWAY_TYPE]}],
                "subject": {"reference": f"Patient/{pathway.patient_id}"}, "period": period,
                "supportingInfo": [{"reference": f"EpisodeOfCare/{pathway.id}"}],
                "activity": [{"reference": {"reference": f"Task/open-{i.id}", "display": i.title[:200]}}
                             for i in open_items]
                + [{"reference": {"reference": f"Task/done-{r.id}",
                                  "display": (r.title or r.form_id or "opgave")[:200]}} for r in done_records]}
    if pathway.tovholder:
        resource["author"] = {"identifier": {"system": USER_SYSTEM, "value": pathway.tovholder},
                              "display": pathway.tovholder}
    if plan is not None:
        data = plan.data or {}
        resource["created"] = _instant(plan.at)
        if data.get("plan_note"):
            resource["description"] = str(data["plan_note"])[:4000]
        notes = []
        if data.get("plan_items"):
            notes.append("Planen indeholder: " + ", ".join(str(v) for v in data["plan_items"]))
        if data.get("plan_review_date"):
            notes.append(f"Næste opfølgning: {data['plan_review_date']}")
        resource["note"] = [{"text": text} for text in notes]
        if not notes:
            del resource["note"]
    return resource
