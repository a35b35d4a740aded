"""Read-only FHIR: CarePlan (the coordinated plan and its activities), Questionnaire (each form,
generated from its form-js definition) and QuestionnaireResponse (completed forms with their
AUDIT, DUDIT and WHO-5 scores); every answer validated with fhir.resources."""
from datetime import timedelta

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.questionnaire import Questionnaire
from sqlalchemy import select

from engine import clock
from engine.models import AuditEntry, Pathway
from forms import who5
from forms.registry import form_ids
from tests.web import pathway_setup as setup
from tests.web.test_fhir_messaging import CPR, opstart, token  # noqa: F401 (fixture)
from webui.extensions import db
from webui.patient.models import Questionnaire as HomeQuestionnaire


def get(client, token, url):  # noqa: F811
    return client.get(url, headers={"Authorization": f"Bearer {token}"} if token else {})


def searchset(answer):
    assert answer.status_code == 200, answer.get_data()[:400]
    assert answer.mimetype == "application/fhir+json"
    body = answer.get_json()
    Bundle.parse_obj(body)
    return body


def in_opstart_with_forms(app):
    """A pathway in Opstart with AUDIT, DUDIT and the coordinated plan completed, and a WHO-5 from home."""
    pathway_id = opstart(app)
    with app.app_context():
        setup.complete(pathway_id, "audit", {f"audit_{n}": "2" for n in range(1, 11)})
        setup.complete(pathway_id, "dudit", {"sex": "M", **{f"dudit_{n}": "1" for n in range(1, 10)},
                                             "dudit_10": "2", "dudit_11": "2"})
        setup.complete(pathway_id, "koordineret_plan", {"plan_items": ["maal", "kriseplan"],
                                                        "plan_note": "Ugentlige samtaler; bolig afklares."})
        pathway = db.session.get(Pathway, pathway_id)
        answers = dict(zip(who5.ITEMS, (3, 3, 2, 2, 3), strict=True)) | {
            "suicidal_thoughts": False, "wants_contact": False, "talk_about": ""}
        result = who5.score(answers)
        now = clock.utcnow()
        db.session.add(HomeQuestionnaire(patient_id=pathway.patient_id, instrument="who5", requested_by="system",
                                         requested_at=now - timedelta(days=1), answered_at=now,
                                         answered_by="patient", answers=answers, result=result, zone=result["zone"]))
        db.session.commit()
        return pathway_id, pathway.patient_id


def test_questionnaires_are_generated_from_every_form(app, client, token):  # noqa: F811
    opstart(app)
    found = searchset(get(client, token, "/fhir/Questionnaire?_count=100"))
    ids = {e["resource"]["id"] for e in found["entry"]}
    assert ids == {f.replace("_", "-") for f in form_ids()} | {"who5"}
    audit = get(client, token, "/fhir/Questionnaire/audit").get_json()
    Questionnaire.parse_obj(audit)
    items = {i["linkId"]: i for i in audit["item"]}
    assert items["audit_1"]["type"] == "choice" and items["audit_1"]["required"] is True
    assert items["audit_1"]["answerOption"][0]["valueCoding"]["code"] == "0"
    assert items["audit_score"] == {"linkId": "audit_score", "text": "Point i alt", "type": "integer",
                                    "readOnly": True}
    plan = get(client, token, "/fhir/Questionnaire/koordineret-plan").get_json()
    kinds = {i["linkId"]: (i["type"], i.get("repeats")) for i in plan["item"]}
    assert kinds == {"plan_items": ("choice", True), "plan_review_date": ("date", None), "plan_note": ("text", None),
                     "patient_goals": ("text", None), "agreed_activities": ("text", None)}   # every field of the form
    one = searchset(get(client, token, "/fhir/Questionnaire?url=https://forlob.dk/fhir/Questionnaire/dudit"))
    assert [e["resource"]["id"] for e in one["entry"]] == ["dudit"]
    missing = get(client, token, "/fhir/Questionnaire/nope")
    assert missing.status_code == 404
    OperationOutcome.parse_obj(missing.get_json())
    assert get(client, None, "/fhir/Questionnaire/audit").status_code == 401


def test_questionnaire_responses_carry_the_scores(app, client, token):  # noqa: F811
    pathway_id, patient_id = in_opstart_with_forms(app)
    found = searchset(get(client, token, f"/fhir/QuestionnaireResponse?patient=Patient/{patient_id}&_count=100"))
    by_form = {e["resource"]["questionnaire"].split("|")[0].rsplit("/", 1)[1]: e["resource"] for e in found["entry"]}
    assert {"visitation", "indskrivning", "audit", "dudit", "koordineret-plan", "who5"} <= set(by_form)
    assert found["total"] == len(found["entry"])

    def answer(form, link_id):
        item = next(i for i in by_form[form]["item"] if i["linkId"] == link_id)
        return item["answer"][0]

    assert answer("audit", "audit_score") == {"valueInteger": 20}
    assert answer("audit", "audit_1")["valueCoding"]["code"] == "2"
    assert answer("dudit", "dudit_score") == {"valueInteger": 13}
    assert answer("who5", "percentage") == {"valueInteger": 52} and answer("who5", "zone") == {"valueString": "green"}
    plan_items = next(i for i in by_form["koordineret-plan"]["item"] if i["linkId"] == "plan_items")["answer"]
    assert [a["valueCoding"]["code"] for a in plan_items] == ["maal", "kriseplan"]
    assert by_form["audit"]["basedOn"] == [{"reference": f"CarePlan/{pathway_id}"}]
    # paging runs through the forms, then the answers from home
    page = searchset(get(client, token, f"/fhir/QuestionnaireResponse?patient={patient_id}&_count=2&_offset={found['total'] - 1}"))
    assert [e["resource"]["id"] for e in page["entry"]] == [found["entry"][-1]["resource"]["id"]]
    assert searchset(get(client, token, f"/fhir/QuestionnaireResponse?patient={patient_id}&_lastUpdated=gt2999-01-01"))["total"] == 0


def test_care_plan_is_the_coordinated_plan_with_its_activities(app, client, token):  # noqa: F811
    pathway_id, patient_id = in_opstart_with_forms(app)
    found = searchset(get(client, token, f"/fhir/CarePlan?patient=Patient/{patient_id}"))
    plan = found["entry"][0]["resource"]
    assert (plan["id"], plan["status"], plan["intent"]) == (str(pathway_id), "active", "plan")
    assert plan["description"] == "Ugentlige samtaler; bolig afklares."
    assert plan["note"][0]["text"] == "Planen indeholder: maal, kriseplan"
    assert plan["supportingInfo"] == [{"reference": f"EpisodeOfCare/{pathway_id}"}]
    activities = [a["reference"]["reference"] for a in plan["activity"]]
    tasks = searchset(get(client, token, f"/fhir/Task?patient={patient_id}&_count=100"))
    assert set(activities) == {f"Task/{t['resource']['id']}" for t in tasks["entry"]}
    assert any(a.startswith("Task/open-") for a in activities) and any(a.startswith("Task/done-") for a in activities)
    with app.app_context():
        reads = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "fhir_read",
                                                            AuditEntry.patient_id == patient_id)).all()
        assert any("CarePlan" in r.detail for r in reads)


def test_other_regions_see_nothing(app, client, token):  # noqa: F811
    with app.app_context():
        other = setup.refer(cpr="0202902468", region="nordjylland", municipality="aalborg", actor="psyk.aal")
        patient_id = other.patient_id
    for kind in ("CarePlan", "QuestionnaireResponse", "Observation"):
        assert searchset(get(client, token, f"/fhir/{kind}?patient={patient_id}"))["total"] == 0, kind
    for url in ("/fhir/CarePlan", "/fhir/QuestionnaireResponse?patient=x", "/fhir/CarePlan?patient=1&_count=0"):
        answer = get(client, token, url)
        assert answer.status_code == 400, url
        OperationOutcome.parse_obj(answer.get_json())


def test_everything_of_a_patient_in_one_paged_searchset(app, client, token):  # noqa: F811
    pathway_id, patient_id = in_opstart_with_forms(app)
    whole = searchset(get(client, token, f"/fhir/Patient/{patient_id}/$everything?_count=100"))
    kinds = [e["resource"]["resourceType"] for e in whole["entry"]]
    assert kinds[:3] == ["Patient", "EpisodeOfCare", "CarePlan"] and whole["total"] == len(kinds)
    assert {"Task", "QuestionnaireResponse", "Observation"} <= set(kinds)
    seen, url = [], f"/fhir/Patient/{patient_id}/$everything?_count=4"
    while url:   # the pages walk the same list without gaps or repeats
        page = searchset(get(client, token, url))
        seen += [e["fullUrl"] for e in page["entry"]]
        url = next((link["url"].split("/fhir/", 1)[1].join(["/fhir/", ""]) for link in page["link"]
                    if link["relation"] == "next"), None)
    assert seen == [e["fullUrl"] for e in whole["entry"]]
    with app.app_context():
        other = setup.refer(cpr="0202902468", region="nordjylland", municipality="aalborg", actor="psyk.aal")
        other_patient = other.patient_id
    for missing in (other_patient, 999999):
        answer = get(client, token, f"/fhir/Patient/{missing}/$everything")
        assert answer.status_code == 404
        OperationOutcome.parse_obj(answer.get_json())
