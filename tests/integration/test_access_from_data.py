"""Access never follows a definition's data: a script cannot make an organisation a participant.

Issue 19: a script could set `participating_orgs` (or the tovholder's organisation) in the
workflow data and so widen who sees a patient. Participants now come only from the
referral's organisations, the tovholder chosen among them, and the organisations a person
picked at enrolment (passed by the web edge, checked against the organisation table).
"""
from sqlalchemy import select

from engine import service
from engine.models import Pathway, PathwayParticipant, WorklistItem
from tests.fixtures import hostile
from tests.integration.engine_helpers import T0, new_patient
from webui.extensions import db

START = {"region_org": "region-hovedstaden", "municipality_org": "kommune-koebenhavn"}
STRANGER = "region-nordjylland"
SCRIPT = (f"participating_orgs = ['{STRANGER}']\ntovholder_org = '{STRANGER}'\n"
          f"region_org = '{STRANGER}'\nmunicipality_org = '{STRANGER}'")


def _participants(s, pathway_id):
    return set(s.scalars(select(PathwayParticipant.org_code).where(
        PathwayParticipant.pathway_id == pathway_id)))


def test_a_script_writing_organisations_widens_nothing(app):
    with app.app_context():
        s = db.session
        # the script runs after the first task; the pathway then waits in a second task
        bundle = hostile.after_task(SCRIPT)
        bundle["h.bpmn"] = bundle["h.bpmn"].replace(
            b'<bpmn:sequenceFlow id="f2" sourceRef="evil" targetRef="e"/>',
            b'<bpmn:sequenceFlow id="f2" sourceRef="evil" targetRef="again"/>'
            b'<bpmn:userTask id="again" name="Igen"><bpmn:extensionElements>'
            b'<spiffworkflow:properties><spiffworkflow:property name="form" value="visitation"/>'
            b'</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>'
            b'<bpmn:sequenceFlow id="f3" sourceRef="again" targetRef="e"/>').replace(
            b"<bpmn:flowNodeRef>visit</bpmn:flowNodeRef>",
            b"<bpmn:flowNodeRef>visit</bpmn:flowNodeRef><bpmn:flowNodeRef>again</bpmn:flowNodeRef>")
        service.deploy_bundle(s, bundle, "owner", known_forms=hostile.FORMS)
        patient = new_patient(s)
        pathway = service.start_pathway(s, patient.id, dict(START), "alice", now=T0)
        s.commit()
        before = _participants(s, pathway.id)
        assert before == {"region-hovedstaden", "kommune-koebenhavn"}
        [item] = service.ready_tasks(s, pathway.id)
        service.complete_task(s, pathway.id, item.task_id, {}, "alice", now=T0)
        s.commit()
        assert service.pathway_data(s, pathway.id)["participating_orgs"] == [STRANGER]
        assert _participants(s, pathway.id) == before
        row = s.get(Pathway, pathway.id)
        assert (row.region_org, row.municipality_org, row.tovholder_org) == (
            "region-hovedstaden", "kommune-koebenhavn", None)
        [again] = service.ready_tasks(s, pathway.id)
        assert again.task_spec == "again" and again.org_code == "region-hovedstaden"
        assert STRANGER not in set(s.scalars(select(WorklistItem.org_code)))


def test_organisations_a_person_chose_at_enrolment_do_take_part(app):
    with app.app_context():
        s = db.session
        service.deploy_bundle(s, hostile.after_task("x = 1"), "owner", known_forms=hostile.FORMS)
        patient = new_patient(s)
        pathway = service.start_pathway(s, patient.id, dict(START), "alice", now=T0)
        s.commit()
        [item] = service.ready_tasks(s, pathway.id)
        service.complete_task(s, pathway.id, item.task_id,
                              {"participating_orgs": ["kommune-frederiksberg"],
                               "tovholder_org": "kommune-koebenhavn"}, "alice", now=T0)
        s.commit()
        assert "kommune-frederiksberg" in _participants(s, pathway.id)
