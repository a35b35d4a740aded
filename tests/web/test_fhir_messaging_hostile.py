"""Invalid and hostile HospitalNotifications: each gets its coded fatal-error Acknowledgement
(validated with fhir.resources), is audited, and changes nothing."""
import copy
import json

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import func, select

from engine.models import AuditEntry, Notice, Pathway, TaskRecord
from tests.web.hn_bundles import header_id, message, response
from tests.web.test_fhir_messaging import CPR, ok, opstart, post, token  # noqa: F401 (fixture)
from webui.api.models import ApiClient
from webui.extensions import db
from webui.fhir.models import HospitalMessage, HospitalStay

ADMIT = message("admit-inpatient", "IMP", "in-progress", CPR, message_id="a1b2c3")


def _edit(change):
    bundle = copy.deepcopy(ADMIT)
    change(bundle)
    return bundle


def _res(bundle, kind):
    return next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind)


def _nest(depth):
    inner = {"url": "http://x", "valueString": "x"}
    for _ in range(depth):
        inner = {"url": "http://x", "extension": [inner]}
    return inner


def _two_destinations(b):
    b["entry"][0]["resource"]["destination"].append(copy.deepcopy(b["entry"][0]["resource"]["destination"][0]))


def _second_patient(b):
    patient = copy.deepcopy(_res(b, "Patient"))
    patient["id"] = "other"
    b["entry"].append({"fullUrl": "Patient/other", "resource": patient})


def _sor(kind_index, value):
    def change(b):
        org = [e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "Organization"][kind_index]
        org["identifier"] = [i for i in org["identifier"] if "1.2.208.176.1.1" not in i["system"]] + (
            [{"system": "urn:oid:1.2.208.176.1.1", "value": value}] if value else [])
    return change


LONE_SURROGATE = json.dumps(ADMIT).replace('"Testesen"', '"Teste\\ud800sen"').encode()
DEEP_JSON = ('{"resourceType": "Bundle", "type": "message", "entry": ' + "[" * 100_000 + "]" * 100_000 + "}").encode()

HOSTILE = {
    "missing MessageHeader": (_edit(lambda b: b["entry"].pop(0)), "HN-HEADER-FIRST", 422),
    "MessageHeader not first": (_edit(lambda b: b["entry"].insert(0, b["entry"].pop(1))), "HN-HEADER-FIRST", 422),
    "wrong event code": (_edit(lambda b: b["entry"][0]["resource"]["eventCoding"].update(code="care-communication-message")),
                         "HN-EVENT", 422),
    "inpatient activity with acute ambulant class": (message("admit-inpatient", "EMER", "in-progress", CPR),
                                                     "HN-COMBINATION", 422),
    "admission that is on leave": (message("admit-inpatient", "IMP", "onleave", CPR), "HN-COMBINATION", 422),
    "leave in an acute ambulant stay": (message("start-leave-inpatient", "EMER", "onleave", CPR), "HN-COMBINATION", 422),
    "death while in progress": (message("admit-inpatient", "IMP", "in-progress", CPR, deceased=True), "HN-COMBINATION", 422),
    "activity from no value set": (message("transfer-inpatient", "IMP", "in-progress", CPR), "HN-ACTIVITY", 422),
    "end before start": (message("discharge-inpatient-home", "IMP", "finished", CPR, start="2026-03-05T10:00:00+01:00",
                                 end="2026-03-04T10:00:00+01:00"), "HN-PERIOD", 422),
    "finished without an end": (message("discharge-inpatient-home", "IMP", "finished", CPR), "HN-PERIOD", 422),
    "time without a zone": (message("admit-inpatient", "IMP", "in-progress", CPR, start="2026-03-01T12:00:00"),
                            "HN-PERIOD", 422),
    "lone surrogate in a name": (LONE_SURROGATE, "HN-ENCODING", 400),
    "3 MB bundle": (_edit(lambda b: _res(b, "Patient")["name"][0].update(family="x" * 3_000_000)), "HN-SIZE", 413),
    "collection bundle": (_edit(lambda b: b.update(type="collection")), "HN-BUNDLE-TYPE", 422),
    "deep nesting (extensions)": (_edit(lambda b: _res(b, "Patient").update(extension=[_nest(40)])), "HN-NESTING", 400),
    "deep nesting (arrays)": (DEEP_JSON, "HN-NESTING", 400),
    "invalid CPR date": (message("admit-inpatient", "IMP", "in-progress", "3213901235"), "HN-CPR", 422),
    "CPR under another system": (_edit(lambda b: _res(b, "Patient")["identifier"][0].update(system="urn:oid:1.2.3")),
                                 "HN-CPR", 422),
    "sender without SOR": (_edit(_sor(1, None)), "HN-SENDER-SOR", 422),
    "receiver without SOR": (_edit(_sor(0, None)), "HN-RECEIVER-SOR", 422),
    "SOR that is no SOR code": (_edit(_sor(1, "'; drop table patient; --")), "HN-SENDER-SOR", 422),
    "carbon-copy receiver": (_edit(_two_destinations), "HN-RECEIVER-SOR", 422),
    "two patients": (_edit(_second_patient), "HN-PATIENT", 422),
    "unknown element": (_edit(lambda b: _res(b, "Encounter").update(hacked=True)), "HN-STRUCTURE", 400),
    "dangling focus": (_edit(lambda b: b["entry"][0]["resource"]["focus"][0].update(reference="Encounter/nowhere")),
                       "HN-REFERENCE", 422),
    "no Provenance for this message": (_edit(lambda b: b["entry"].pop()), "HN-PROVENANCE", 422),
    "not JSON": (b"<Bundle xmlns='http://hl7.org/fhir'/>", "HN-JSON", 400),
    "not a Bundle": (_edit(lambda b: b.update(resourceType="Parameters")), "HN-STRUCTURE", 400),
}


def snapshot(app):
    """Everything a message could change."""
    with app.app_context():
        count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
        pathway = db.session.scalar(select(Pathway))
        return (pathway.stage, pathway.lock_version, count(Notice), count(TaskRecord),
                count(HospitalMessage), count(HospitalStay))


def refused(answer, code, status):
    assert answer.status_code == status, (code, answer.status_code, answer.get_data()[:300])
    assert answer.mimetype == "application/fhir+json"
    body = answer.get_json()
    Bundle.parse_obj(body)
    assert response(body)[1:] == ("fatal-error", code)
    return body


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_message_is_refused_with_its_code_and_changes_nothing(app, client, token, name):  # noqa: F811
    opstart(app)
    bundle, code, status = HOSTILE[name]
    before = snapshot(app)
    refused(post(client, token, bundle), code, status)
    assert snapshot(app) == before
    with app.app_context():
        audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "hn_refused")).all()
        assert len(audit) == 1 and code in audit[0].detail


def test_the_answer_names_the_refused_message(app, client, token):  # noqa: F811
    opstart(app)
    body = refused(post(client, token, HOSTILE["collection bundle"][0]), "HN-BUNDLE-TYPE", 422)
    assert response(body)[0] == "a1b2c3"


def test_same_id_with_other_content_is_refused(app, client, token):  # noqa: F811
    opstart(app)
    ok(client, token, ADMIT)
    before = snapshot(app)
    other = _edit(lambda b: _res(b, "Encounter")["period"].update(start="2026-03-01T13:00:00+01:00"))
    refused(post(client, token, other), "HN-DUPLICATE-ID", 409)
    assert snapshot(app) == before


def test_cancellation_of_an_unknown_encounter_is_refused(app, client, token):  # noqa: F811
    opstart(app)
    ok(client, token, ADMIT)
    before = snapshot(app)
    cancel = message("cancel-admit-inpatient", "IMP", "entered-in-error", CPR, episode="never-sent")
    refused(post(client, token, cancel), "HN-ENCOUNTER-UNKNOWN", 422)
    leave = message("start-leave-inpatient", "IMP", "onleave", CPR, episode="never-sent")
    refused(post(client, token, leave), "HN-ENCOUNTER-UNKNOWN", 422)
    back = message("end-leave-inpatient", "IMP", "in-progress", CPR)   # not on leave
    refused(post(client, token, back), "HN-STATE", 422)
    again = message("admit-inpatient", "IMP", "in-progress", CPR)      # the stay started already
    refused(post(client, token, again), "HN-STATE", 422)
    assert snapshot(app) == before
    # a refused message is not kept: once it is right it may be sent again under the same id
    assert post(client, token, back).status_code == 422


def test_wrong_content_type_no_token_and_revoked_token(app, client, token):  # noqa: F811
    opstart(app)
    before = snapshot(app)
    refused(post(client, token, json.dumps(ADMIT), content_type="application/pdf"), "HN-MEDIA-TYPE", 415)
    refused(post(client, token, json.dumps(ADMIT), content_type="text/plain"), "HN-MEDIA-TYPE", 415)
    answer = post(client, None, ADMIT)
    refused(answer, "HN-AUTH", 401)
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    refused(post(client, "forlob_guessed", ADMIT), "HN-AUTH", 401)
    with app.app_context():
        db.session.scalar(select(ApiClient)).active = False
        db.session.commit()
    refused(post(client, token, ADMIT), "HN-AUTH", 401)
    assert snapshot(app) == before
    assert header_id(ADMIT) == "a1b2c3"


def test_a_client_bound_to_sor_codes_may_send_only_as_them(app, client, token, runner):  # noqa: F811
    opstart(app)
    assert runner.invoke(args=["api", "bind-sor", "sundhedsplatformen", "12x"]).exit_code != 0   # not a SOR code
    result = runner.invoke(args=["api", "bind-sor", "sundhedsplatformen", "265161000016000,123456789012345"])
    assert result.exit_code == 0, result.output
    before = snapshot(app)
    other_hospital = message("admit-inpatient", "IMP", "in-progress", CPR, sender_sor="999999000016001")
    refused(post(client, token, other_hospital), "HN-SENDER-NOT-CLIENT", 403)
    assert snapshot(app) == before
    ok(client, token, ADMIT)   # the client's own hospital (the guide's example sender)
    result = runner.invoke(args=["api", "create-client", "nyt-epj", "--org", "region-hovedstaden",
                                 "--sor", "265161000016000"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(ApiClient.sor_codes).where(ApiClient.name == "nyt-epj")) == "265161000016000"
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "api_client_sor")) is not None
