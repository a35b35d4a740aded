"""A real FHIR client (SMART on FHIR's `fhirclient`, R4 models) reads the server over HTTP."""
import threading

import pytest
from fhirclient import client as fhir_client
from fhirclient.models.encounter import Encounter
from fhirclient.models.episodeofcare import EpisodeOfCare
from fhirclient.models.patient import Patient
from fhirclient.models.task import Task
from werkzeug.serving import make_server

from tests.web.hn_bundles import message
from tests.web.test_fhir_messaging import CPR, ok, opstart, token  # noqa: F401 (fixture)


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
    assert smart.server.capabilityStatement.fhirVersion == "4.0.1"
    patients = list(Patient.where(struct={"identifier": f"urn:oid:1.2.208.176.1.2|{CPR}"}).perform_resources_iter(smart.server))
    assert [p.identifier[0].value for p in patients] == [CPR]
    episodes = list(EpisodeOfCare.where(struct={"patient": f"Patient/{patients[0].id}"}).perform_resources_iter(smart.server))
    assert [(e.id, e.status) for e in episodes] == [(str(pathway_id), "active")]
    assert episodes[0].patient.reference == f"Patient/{patients[0].id}"
    stays = list(Encounter.where(struct={"patient": f"Patient/{patients[0].id}"}).perform_resources_iter(smart.server))
    assert [(s.status, s.class_fhir.code) for s in stays] == [("in-progress", "IMP")]
    tasks = list(Task.where(struct={"patient": f"Patient/{patients[0].id}"}).perform_resources_iter(smart.server))
    assert {t.status for t in tasks} >= {"ready", "completed"}
