"""A real FHIR client (SMART on FHIR's `fhirclient`, R4 models) reads every resource type over
HTTP, and everything it read validates with fhir.resources too."""
import threading

import pytest
from fhir.resources.R4B import construct_fhir_element
from fhir.resources.R4B.bundle import Bundle
from fhirclient import client as fhir_client
from fhirclient.models.careplan import CarePlan
from fhirclient.models.encounter import Encounter
from fhirclient.models.episodeofcare import EpisodeOfCare
from fhirclient.models.observation import Observation
from fhirclient.models.patient import Patient
from fhirclient.models.questionnaire import Questionnaire
from fhirclient.models.questionnaireresponse import QuestionnaireResponse
from fhirclient.models.task import Task
from werkzeug.serving import make_server

from tests.web.hn_bundles import message
from tests.web.test_fhir_messaging import CPR, ok, opstart, token  # noqa: F401 (fixture)
from tests.web.test_fhir_plan import in_opstart_with_forms


def valid(resources):
    """Each resource fhirclient read, as JSON, validates with fhir.resources; returns them."""
    for resource in resources:
        data = resource.as_json()
        construct_fhir_element(data["resourceType"], data)
    return resources


@pytest.fixture
def live_server(app):
    """Serve the test app on a free localhost port for the test's duration."""
    server = make_server("localhost", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def test_fhirclient_reads_the_capability_statement_patient_and_episodes(app, client, token, live_server):  # noqa: F811
    pathway_id = opstart(app)
    ok(client, token, message("admit-inpatient", "IMP", "in-progress", CPR))
    smart = fhir_client.FHIRClient(settings={"app_id": "forlob-test", "api_base": f"{live_server}/fhir/"})
    smart.server.session.headers["Authorization"] = f"Bearer {token}"
    smart.server.get_capability()
    assert valid([smart.server.capabilityStatement])[0].fhirVersion == "4.0.1"
    patients = valid(list(Patient.where(struct={"identifier": f"urn:oid:1.2.208.176.1.2|{CPR}"}).perform_resources_iter(smart.server)))
    assert [p.identifier[0].value for p in patients] == [CPR]
    assert valid([Patient.read(patients[0].id, smart.server)])[0].identifier[0].value == CPR
    episodes = valid(list(EpisodeOfCare.where(struct={"patient": f"Patient/{patients[0].id}"}).perform_resources_iter(smart.server)))
    assert [(e.id, e.status) for e in episodes] == [(str(pathway_id), "active")]
    assert episodes[0].patient.reference == f"Patient/{patients[0].id}"
    stays = valid(list(Encounter.where(struct={"patient": f"Patient/{patients[0].id}"}).perform_resources_iter(smart.server)))
    assert [(s.status, s.class_fhir.code) for s in stays] == [("in-progress", "IMP")]
    tasks = valid(list(Task.where(struct={"patient": f"Patient/{patients[0].id}"}).perform_resources_iter(smart.server)))
    assert {t.status for t in tasks} >= {"ready", "completed"}
    # the whole pathway in one searchset, as the client receives it
    everything = smart.server.request_json(f"Patient/{patients[0].id}/$everything")
    Bundle.parse_obj(everything)
    kinds = {e["resource"]["resourceType"] for e in everything["entry"]}
    assert {"Patient", "EpisodeOfCare", "CarePlan", "Encounter", "Task", "Observation"} <= kinds


def test_fhirclient_reads_the_plan_forms_answers_and_markers(app, client, token, live_server):  # noqa: F811
    pathway_id, patient_id = in_opstart_with_forms(app)
    smart = fhir_client.FHIRClient(settings={"app_id": "forlob-test", "api_base": f"{live_server}/fhir/"})
    smart.server.session.headers["Authorization"] = f"Bearer {token}"
    subject = {"patient": f"Patient/{patient_id}"}
    plans = valid(list(CarePlan.where(struct=subject).perform_resources_iter(smart.server)))
    assert [(p.id, p.status, p.intent) for p in plans] == [(str(pathway_id), "active", "plan")]
    assert plans[0].activity and plans[0].activity[0].reference.reference.startswith("Task/")
    audit = valid([Questionnaire.read("audit", smart.server)])[0]
    assert audit.item[0].linkId == "audit_1" and audit.url.endswith("/audit")
    forms = valid(list(Questionnaire.where(struct={"_count": "100"}).perform_resources_iter(smart.server)))
    assert "koordineret-plan" in {q.id for q in forms}
    answers = valid(list(QuestionnaireResponse.where(struct=subject).perform_resources_iter(smart.server)))
    scored = next(a for a in answers if a.questionnaire.startswith("https://forlob.dk/fhir/Questionnaire/audit|"))
    assert next(i for i in scored.item if i.linkId == "audit_score").answer[0].valueInteger == 20
    assert any(a.id.startswith("who5-") for a in answers)
    markers = valid(list(Observation.where(struct=subject).perform_resources_iter(smart.server)))
    assert {m.code.coding[0].code for m in markers} >= {"FM01", "FM02", "FM11"}
