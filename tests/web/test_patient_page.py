"""Patient page, diagram data, timeline and read-only completed forms; reads are audited."""
from sqlalchemy import select

from engine import service
from engine.models import AuditEntry
from tests.web import pathway_setup as setup
from webui.extensions import db


def _opstart(app):
    with app.app_context():
        pathway = setup.to_opstart()
        return pathway.id, pathway.patient_id


def _audit_actions(app, actor):
    with app.app_context():
        return [(e.action, e.patient_id, e.source) for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.actor == actor).order_by(AuditEntry.id))]


def test_patient_page_shows_phase_tasks_tovholder_deadlines_timeline(app, client, auth):
    pathway_id, patient_id = _opstart(app)
    auth.login("psyk.kbh")
    body = client.get(f"/patienter/{patient_id}").get_data(as_text=True)
    assert "Bent Testesen" in body
    assert "Opstart" in body.split('id="phase"')[1].split("</section>")[0]
    assert "Tove Tovholder" in body                      # the tovholder by name
    # enrolled but not yet treated: the guarantee still runs (met at the first treatment contact)
    assert "14-dages garanti" in body and "dage tilbage" in body and "Overholdt" not in body
    assert "AUDIT (alkohol)" in body                     # an open task
    timeline = body.split('id="timeline"')[1]
    assert "Visitation" in timeline and "Indskrivning" in timeline
    assert f'data-src="/forloeb/{pathway_id}/diagram"' in body
    assert "vendor/bpmn-js/bpmn-navigated-viewer.production.min.js" in body
    assert ("view_patient", patient_id, "127.0.0.1") in _audit_actions(app, "psyk.kbh")


def test_diagram_endpoint_gives_stage_xml_and_markers(app, client, auth):
    pathway_id, patient_id = _opstart(app)
    auth.login("psyk.kbh")
    data = client.get(f"/forloeb/{pathway_id}/diagram").get_json()
    assert data["process"] == "opstart"
    assert 'id="opstart"' in data["xml"] and "bpmndi:BPMNDiagram" in data["xml"]
    assert "opstart_audit" in data["current"] and "opstart_dudit" in data["current"]
    assert not set(data["done"]) & set(data["current"])
    assert ("view_diagram", patient_id, "127.0.0.1") in _audit_actions(app, "psyk.kbh")


def test_completed_form_opens_read_only_with_score(app, client, auth):
    pathway_id, patient_id = _opstart(app)
    with app.app_context():
        setup.complete(pathway_id, "audit", {**{f"audit_{i}": "2" for i in range(1, 9)},
                                             "audit_9": "0", "audit_10": "0"})
        record = next(r for r in service.history(db.session, pathway_id) if r.form_id == "audit")
        record_id = record.id
    auth.login("psyk.kbh")
    body = client.get(f"/forloeb/{pathway_id}/historik/{record_id}").get_data(as_text=True)
    assert 'id="scores"' in body and ">16<" in body and "Zone III" in body
    assert "<input" not in body.split('id="record"')[1]
    assert ("view_record", patient_id, "127.0.0.1") in _audit_actions(app, "psyk.kbh")


def test_record_of_another_pathway_is_404(app, client, auth):
    pathway_id, _ = _opstart(app)
    with app.app_context():
        other = setup.refer(cpr="0303030303", name="Anden Patient")
        foreign = service.history(db.session, other.id)[0].id
    auth.login("psyk.kbh")
    assert client.get(f"/forloeb/{pathway_id}/historik/{foreign}").status_code == 404
    assert client.get("/patienter/999999").status_code == 404
    assert client.get("/forloeb/999999/diagram").status_code == 404


def test_admin_reads_the_audit_log_per_patient_and_per_user(app, client, auth):
    _, patient_id = _opstart(app)
    auth.login("psyk.kbh")
    client.get(f"/patienter/{patient_id}")
    auth.logout()
    auth.login("admin")
    by_patient = client.get("/admin/audit?patient=0101901235").get_data(as_text=True)
    assert "view_patient" in by_patient and "psyk.kbh" in by_patient
    assert "Bent Testesen" not in by_patient           # no clinical content for the admin
    by_user = client.get("/admin/audit?user=psyk.kbh").get_data(as_text=True)
    assert "view_patient" in by_user
    nobody = client.get("/admin/audit?user=nobody").get_data(as_text=True)
    assert "view_patient" not in nobody and "Ingen poster." in nobody
    users = client.get("/admin/users").get_data(as_text=True)
    assert "rus.frb" in users and "Kommunal kliniker" in users
