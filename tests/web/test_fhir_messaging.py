"""POST /fhir/$process-message: MedCom HospitalNotification sequences, their effect on the
pathway and the notices, and the Acknowledgement of each."""
import json

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import func, select

from engine.models import AuditEntry, Notice, Pathway, TaskRecord, WorklistItem
from tests.web import pathway_setup as setup
from tests.web.hn_bundles import header_id, message, response
from tests.web.hn_guide import BY_NAME
from tests.web.hn_guide import CPR as GUIDE_CPR
from tests.web.hn_guide import bundle as guide_bundle
from webui.api.tokens import create_client
from webui.extensions import db
from webui.fhir.models import HospitalMessage, HospitalStay

CPR = "0101901235"
KOMMUNE = "kommune-koebenhavn"
INBOX = "/meddelelser/"


@pytest.fixture
def token(app, demo_users):
    """A client of Region Hovedstaden's hospital and its token."""
    with app.app_context():
        _client, token = create_client("sundhedsplatformen", "region-hovedstaden")
        db.session.commit()
    return token


def post(client, token, bundle, content_type="application/fhir+json"):
    """Post a message (a dict is sent as JSON; bytes as they are)."""
    data = bundle if isinstance(bundle, bytes | str) else json.dumps(bundle)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/fhir/$process-message", data=data, headers=headers, content_type=content_type)


def ok(client, token, bundle):
    """Post a message that must be acknowledged 'ok'; return the Acknowledgement."""
    answer = post(client, token, bundle)
    assert answer.status_code == 200, answer.get_json()
    assert answer.mimetype == "application/fhir+json"
    body = answer.get_json()
    Bundle.parse_obj(body)
    assert response(body)[:2] == (header_id(bundle), "ok")
    return body


def opstart(app, cpr=CPR):
    with app.app_context():
        return setup.to_opstart(cpr=cpr).id


def state(app, pathway_id):
    with app.app_context():
        pathway = db.session.get(Pathway, pathway_id)
        return pathway.status, pathway.stage, pathway.end_reason


def notices(app, org=KOMMUNE):
    with app.app_context():
        return [n.kind for n in db.session.scalars(select(Notice).where(Notice.org_code == org).order_by(Notice.id))]


def stay(app):
    with app.app_context():
        row = db.session.scalar(select(HospitalStay))
        return row.status, row.effect, row.started_at, row.ended_at, row.leaves


def history_titles(app, pathway_id):
    with app.app_context():
        return [r.title for r in db.session.scalars(select(TaskRecord).where(
            TaskRecord.pathway_id == pathway_id, TaskRecord.kind == "event").order_by(TaskRecord.id))]


def test_admit_leave_return_discharge(app, client, token):
    pathway_id = opstart(app)
    admit = message("admit-inpatient", "IMP", "in-progress", CPR)
    ack = ok(client, token, admit)
    assert "applied" in ack["entry"][3]["resource"]["issue"][0]["diagnostics"]
    assert state(app, pathway_id) == ("active", "indlagt", None)
    assert notices(app) == ["admitted"]
    leave = message("start-leave-inpatient", "IMP", "onleave", CPR, occurred="2026-03-03T10:00:00+01:00",
                    earlier=[("admit-inpatient", header_id(admit))])
    ok(client, token, leave)
    assert stay(app)[0] == "onleave"
    back = message("end-leave-inpatient", "IMP", "in-progress", CPR, occurred="2026-03-04T18:00:00+01:00",
                   earlier=[("admit-inpatient", header_id(admit)), ("start-leave-inpatient", header_id(leave))])
    ok(client, token, back)
    status, _effect, _start, _end, leaves = stay(app)
    assert status == "in-progress" and [(v["start"], v["end"]) for v in leaves] == [
        ("2026-03-03T09:00:00+00:00", "2026-03-04T17:00:00+00:00")]
    assert state(app, pathway_id)[1] == "indlagt"   # leave does not move the pathway
    out = message("discharge-inpatient-home", "IMP", "finished", CPR, end="2026-03-06T09:00:00+01:00",
                  earlier=[("admit-inpatient", header_id(admit))])
    ok(client, token, out)
    assert state(app, pathway_id) == ("active", "opstart", None)   # back where the patient came from
    assert notices(app) == ["admitted", "discharged"]
    assert stay(app)[:2] == ("finished", "discharged")
    assert history_titles(app, pathway_id) == ["Orlov fra hospitalet begynder", "Orlov fra hospitalet slutter"]
    with app.app_context():
        rows = db.session.scalars(select(HospitalMessage).order_by(HospitalMessage.id)).all()
        assert [(m.code, m.outcome) for m in rows] == [("STIN", "applied"), ("STOR", "recorded"),
                                                       ("SLOR", "recorded"), ("SLHJ", "applied")]
        actions = db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.actor == "api:sundhedsplatformen")).all()
        assert actions.count("hn_message") == 4


def test_admit_correction_cancellation_undoes_the_admission(app, client, token):
    pathway_id = opstart(app)
    admit = message("admit-inpatient", "IMP", "in-progress", CPR)
    ok(client, token, admit)
    fix = message("revise-admit-inpatient", "IMP", "in-progress", CPR, start="2026-03-01T08:30:00+01:00",
                  earlier=[("admit-inpatient", header_id(admit))])
    answer = ok(client, token, fix)
    assert "recorded" in answer["entry"][3]["resource"]["issue"][0]["diagnostics"]
    assert stay(app)[2].isoformat().startswith("2026-03-01T07:30:00")   # stored in UTC
    assert history_titles(app, pathway_id) == ["Hospitalet rettede indlæggelsestidspunktet"]
    assert notices(app) == ["admitted"]   # a corrected time tells the municipality nothing new
    cancel = message("cancel-admit-inpatient", "IMP", "entered-in-error", CPR,
                     earlier=[("admit-inpatient", header_id(admit))])
    answer = ok(client, token, cancel)
    assert "applied" in answer["entry"][3]["resource"]["issue"][0]["diagnostics"]
    assert state(app, pathway_id) == ("active", "opstart", None)
    assert stay(app)[:2] == ("entered-in-error", "undone")
    # the undoing is a discharge the municipality hears of, saying the admission was cancelled
    assert notices(app) == ["admitted", "discharged"]
    with app.app_context():
        undone = db.session.scalar(select(Notice).where(Notice.kind == "discharged"))
        assert "annulleret" in json.dumps(undone.data, ensure_ascii=False)


def test_cancellation_after_the_pathway_moved_makes_a_notice_for_a_human(app, client, token, auth):
    pathway_id = opstart(app)
    admit = message("admit-inpatient", "IMP", "in-progress", CPR)
    ok(client, token, admit)
    with app.app_context():   # a clinician works in the inpatient stage meanwhile
        setup.complete(pathway_id, "indlagt_henvendelse")
    ok(client, token, message("cancel-admit-inpatient", "IMP", "entered-in-error", CPR))
    assert state(app, pathway_id)[1] == "indlagt"
    assert notices(app, "region-hovedstaden")[-1] == "hn_review"
    with app.app_context():
        assert db.session.scalar(select(HospitalMessage.outcome).where(HospitalMessage.code == "AN_STIN")) == "review"
    auth.login("psyk.kbh")   # the region's staff see it in their inbox
    page = client.get(INBOX).get_data(as_text=True)
    assert "Sygehusadvis til vurdering" in page and "AN_STIN" in page


def test_acute_ambulant_start_and_end(app, client, token):
    pathway_id = opstart(app)
    ok(client, token, message("admit-emergency", "EMER", "in-progress", CPR, episode="akut-1"))
    assert state(app, pathway_id)[1] == "indlagt"
    ok(client, token, message("discharge-emergency-home", "EMER", "finished", CPR, episode="akut-1",
                              end="2026-03-01T22:00:00+01:00"))
    assert state(app, pathway_id)[1] == "opstart"
    assert notices(app) == ["admitted", "discharged"]


def test_death_during_a_stay_ends_the_pathway_and_closes_its_tasks(app, client, token):
    pathway_id = opstart(app)
    ok(client, token, message("admit-inpatient", "IMP", "in-progress", CPR))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WorklistItem).where(
            WorklistItem.pathway_id == pathway_id))
    ok(client, token, message("discharge-inpatient-home", "IMP", "finished", CPR, deceased=True,
                              end="2026-03-02T04:00:00+01:00"))
    assert state(app, pathway_id) == ("ended", "indlagt", "deceased")
    assert notices(app)[-1] == "deceased"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WorklistItem).where(
            WorklistItem.pathway_id == pathway_id)) == 0
    # a correction of the time of death is recorded on the ended pathway's stay
    ok(client, token, message("revise-discharge-inpatient-home", "IMP", "finished", CPR, deceased=True,
                              end="2026-03-02T03:00:00+01:00"))
    assert stay(app)[3].isoformat().startswith("2026-03-02T02:00:00")


def test_same_id_same_content_is_a_replay(app, client, token):
    pathway_id = opstart(app)
    admit = message("admit-inpatient", "IMP", "in-progress", CPR)
    first = ok(client, token, admit)
    again = post(client, token, admit)
    assert again.status_code == 200 and again.headers["Idempotent-Replay"] == "true"
    assert again.get_json() == first
    assert notices(app) == ["admitted"] and state(app, pathway_id)[1] == "indlagt"


def test_unknown_patient_is_acknowledged_and_kept_for_reconciliation(app, client, token):
    with app.app_context():   # a patient known only to Region Nordjylland's pathway
        setup.refer(cpr="0202902468", region="nordjylland", municipality="aalborg", actor="psyk.aal")
    for cpr in ("0909909999", "0202902468"):
        ok(client, token, message("admit-inpatient", "IMP", "in-progress", cpr))
    with app.app_context():
        rows = db.session.scalars(select(HospitalMessage)).all()
        assert [(m.cpr, m.outcome, m.patient_id) for m in rows] == [
            ("0909909999", "unmatched", None), ("0202902468", "unmatched", None)]
        assert rows[0].body["entry"][0]["resource"]["resourceType"] == "MessageHeader"
        assert db.session.scalar(select(func.count()).select_from(Notice)) == 0
        assert db.session.scalar(select(HospitalStay)) is None


def test_a_death_on_arrival_ends_the_pathway(app, client, token):
    """The guide's inpatient MORS (activity admit-inpatient, finished, deceased), built by our own
    hn_guide, sent with no admission before it: the citizen died on arrival."""
    died = {**BY_NAME["MORS_IMP"], "earlier": (), "start": BY_NAME["MORS_IMP"]["end"]}
    pathway_id = opstart(app, cpr=GUIDE_CPR)
    ack = ok(client, token, guide_bundle(died))
    assert response(ack) == (died["header"], "ok", "HN-OK")
    assert state(app, pathway_id) == ("ended", "opstart", "deceased")
    assert notices(app) == ["deceased"]


def test_a_start_of_leave_reads_the_leave_period(app, client, token):
    """The guide's STOR (built by hn_guide) after its STIN: the leave's start comes from the
    leave-period extension (14:00:10+02:00), not the Provenance time (14:00:12)."""
    pathway_id = opstart(app, cpr=GUIDE_CPR)
    ok(client, token, guide_bundle(BY_NAME["STIN"]))
    ok(client, token, guide_bundle(BY_NAME["STOR"]))
    assert stay(app)[0] == "onleave"
    assert [(v["start"], v["end"]) for v in stay(app)[4]] == [("2022-12-13T12:00:10+00:00", None)]
    assert state(app, pathway_id)[1] == "indlagt"
