"""Read-only FHIR R4: CapabilityStatement, Patient and EpisodeOfCare searchsets, scoped to the
client's organisation, audited, and valid FHIR."""
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from sqlalchemy import select

from engine import service
from engine.models import AuditEntry, Pathway
from tests.web import pathway_setup as setup
from tests.web.hn_bundles import message
from tests.web.test_fhir_messaging import CPR, ok, opstart, token  # noqa: F401 (fixture)
from webui.extensions import db

REFERRAL = {"region": "hovedstaden", "municipality": "koebenhavn", "region_org": "region-hovedstaden",
            "municipality_org": "kommune-koebenhavn", "contacts": ["psykiatri", "kommune"],
            "referrer": "Egen læge", "received_at": "2026-03-01", "sex": "M"}


def get(client, token, url):  # noqa: F811
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(url, headers=headers)


def searchset(answer):
    assert answer.status_code == 200, answer.get_data()[:300]
    assert answer.mimetype == "application/fhir+json"
    body = answer.get_json()
    Bundle.parse_obj(body)
    assert body["type"] == "searchset"
    return body


def test_capability_statement(client):
    answer = client.get("/fhir/metadata")
    statement = answer.get_json()
    CapabilityStatement.parse_obj(statement)
    assert statement["fhirVersion"] == "4.0.1"
    assert {r["type"] for r in statement["rest"][0]["resource"]} == {
        "Patient", "EpisodeOfCare", "Encounter", "Task", "CarePlan", "Questionnaire", "QuestionnaireResponse",
        "Observation"}
    assert statement["rest"][0]["operation"][0]["name"] == "process-message"


def test_patient_and_episode_of_care_of_the_clients_organisation(app, client, token):  # noqa: F811
    pathway_id = opstart(app)
    ok(client, token, message("admit-inpatient", "IMP", "in-progress", CPR))
    found = searchset(get(client, token, f"/fhir/Patient?identifier=urn:oid:1.2.208.176.1.2|{CPR}"))
    assert found["total"] == 1
    patient = found["entry"][0]["resource"]
    assert patient["identifier"] == [{"system": "urn:oid:1.2.208.176.1.2", "value": CPR}]
    assert patient["gender"] == "male" and patient["birthDate"] == "1990-01-01"
    episodes = searchset(get(client, token, f"/fhir/EpisodeOfCare?patient=Patient/{patient['id']}"))
    episode = episodes["entry"][0]["resource"]
    assert episode["id"] == str(pathway_id) and episode["status"] == "active"
    assert episode["extension"][0]["valueCode"] == "indlagt"
    assert episode["careManager"]["identifier"]["value"] == "tovholder.kbh"
    assert episode["managingOrganization"]["identifier"]["value"] == "region-hovedstaden"
    assert [h["extension"][0]["valueCode"] for h in episode["statusHistory"]] == ["henvisning", "opstart"]
    later = searchset(get(client, token, f"/fhir/EpisodeOfCare?patient={patient['id']}&_lastUpdated=gt2999-01-01"))
    assert later["total"] == 0
    with app.app_context():
        reads = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "fhir_read")).all()
        assert [r.patient_id for r in reads][-3:] == [int(patient["id"])] * 2 + [None]


def test_paging(app, client, token):  # noqa: F811
    with app.app_context():   # an ended pathway and a new one for the same patient
        first = setup.to_opstart(cpr=CPR)
        first.status = "ended"
        db.session.commit()
        patient_id = first.patient_id
        setup.ensure_deployed()
    with app.app_context():   # a new referral of the same patient
        data = dict(REFERRAL, patient_id=patient_id)
        service.start_pathway(db.session, patient_id, data, "psyk.kbh")
        db.session.commit()
    page = searchset(get(client, token, f"/fhir/EpisodeOfCare?patient={patient_id}&_count=1"))
    assert page["total"] == 2 and len(page["entry"]) == 1
    next_url = next(link["url"] for link in page["link"] if link["relation"] == "next")
    second = searchset(get(client, token, next_url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])))
    assert len(second["entry"]) == 1 and second["entry"][0]["resource"]["id"] != page["entry"][0]["resource"]["id"]
    assert not [link for link in second["link"] if link["relation"] == "next"]


def test_other_regions_patients_are_not_disclosed(app, client, token):  # noqa: F811
    with app.app_context():
        pathway = setup.refer(cpr="0202902468", region="nordjylland", municipality="aalborg", actor="psyk.aal")
        patient_id = pathway.patient_id
    assert searchset(get(client, token, "/fhir/Patient?identifier=0202902468"))["total"] == 0
    assert searchset(get(client, token, f"/fhir/EpisodeOfCare?patient={patient_id}"))["total"] == 0
    # a read by id answers another region's patient as it answers one that does not exist
    for unseen in (patient_id, 987654):
        answer = get(client, token, f"/fhir/Patient/{unseen}")
        assert answer.status_code == 404
        assert OperationOutcome.parse_obj(answer.get_json()).issue[0].details.coding[0].code == "READ-NOT-FOUND"


def test_no_token_and_bad_parameters(app, client, token):  # noqa: F811
    for url in ("/fhir/Patient?identifier=0101901235", "/fhir/EpisodeOfCare?patient=1"):
        answer = get(client, None, url)
        assert answer.status_code == 401
        OperationOutcome.parse_obj(answer.get_json())
    for url in ("/fhir/Patient", "/fhir/Patient?identifier=urn:other|1", "/fhir/EpisodeOfCare?patient=x",
                "/fhir/EpisodeOfCare?patient=99999999999", "/fhir/EpisodeOfCare?patient=1&_count=x",
                "/fhir/EpisodeOfCare?patient=1&_lastUpdated=yesterday",
                "/fhir/EpisodeOfCare?patient=1&_lastUpdated=sa2026-01-01"):
        answer = get(client, token, url)
        assert answer.status_code == 400, url
        OperationOutcome.parse_obj(answer.get_json())


def test_encounters_and_tasks_of_a_patient(app, client, token):  # noqa: F811
    pathway_id = opstart(app)
    ok(client, token, message("admit-inpatient", "IMP", "in-progress", CPR))
    with app.app_context():
        patient_id = db.session.get(Pathway, pathway_id).patient_id
    stays = searchset(get(client, token, f"/fhir/Encounter?patient=Patient/{patient_id}"))
    stay = stays["entry"][0]["resource"]
    assert (stays["total"], stay["status"], stay["class"]["code"]) == (1, "in-progress", "IMP")
    assert stay["episodeOfCare"] == [{"reference": f"EpisodeOfCare/{pathway_id}"}]
    found = searchset(get(client, token, f"/fhir/Task?patient={patient_id}&_count=100"))
    statuses = [t["resource"]["status"] for t in found["entry"]]
    assert found["total"] == len(statuses) and "ready" in statuses and statuses.count("completed") >= 2
    first_open = found["entry"][0]["resource"]
    assert first_open["owner"]["identifier"]["value"] and first_open["basedOn"][0]["reference"] == f"EpisodeOfCare/{pathway_id}"
    # paging walks the open tasks, then the completed ones, without gaps or repeats
    seen, url = [], f"/fhir/Task?patient={patient_id}&_count=2"
    while url:
        page = searchset(get(client, token, url))
        seen += [t["resource"]["id"] for t in page["entry"]]
        url = next((link["url"].split("/fhir/", 1)[1].join(["/fhir/", ""]) for link in page["link"]
                    if link["relation"] == "next"), None)
    assert seen == [t["resource"]["id"] for t in found["entry"]]


def test_chained_patient_identifier_last_updated_and_the_team(app, client, token):  # noqa: F811
    pathway_id = opstart(app)
    by_cpr = f"patient.identifier=urn:oid:1.2.208.176.1.2|{CPR}"
    episodes = searchset(get(client, token, f"/fhir/EpisodeOfCare?{by_cpr}"))
    episode = episodes["entry"][0]["resource"]
    assert episode["id"] == str(pathway_id)
    team = episode["contained"][0]
    assert episode["team"] == [{"reference": "#team"}] and team["resourceType"] == "CareTeam"
    members = [p["member"]["identifier"]["value"] for p in team["participant"]]
    assert {"region-hovedstaden", "kommune-koebenhavn", "tovholder.kbh"} <= set(members)
    tasks = searchset(get(client, token, f"/fhir/Task?{by_cpr}&_count=100"))
    assert tasks["total"] > 0
    assert searchset(get(client, token, f"/fhir/Task?{by_cpr}&_lastUpdated=gt2999-01-01"))["total"] == 0
    assert searchset(get(client, token, f"/fhir/Task?{by_cpr}&_lastUpdated=gt2000-01-01"))["total"] == tasks["total"]
    assert searchset(get(client, token, f"/fhir/Patient?identifier={CPR}&_lastUpdated=gt2999-01-01"))["total"] == 0
    assert searchset(get(client, token, f"/fhir/Patient?identifier={CPR}&_lastUpdated=le2999-01-01"))["total"] == 1
    assert searchset(get(client, token, "/fhir/Task?patient.identifier=urn:oid:1.2.208.176.1.2|0909909999"))["total"] == 0
    assert get(client, token, "/fhir/Task?patient.identifier=urn:other|1").status_code == 400
