"""Helpers for the migration tests: the fixture bundle, its variants, and a pathway mid-stage."""
import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from engine import service
from engine.models import DefinitionVersion
from tests.fixtures.engine import MIGRATION_FORMS, START_DATA, migration_files
from tests.fixtures.engine.migration_variants import (  # noqa: F401 - used as h.<variant>
    add_task_after_dudit,
    relabel,
    remove_audit,
    remove_dudit,
    rename_dudit_form,
)

T0 = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)  # the worker's tick runs on wall time
LATER = T0 + timedelta(days=3)

def deploy(session, edit=None, forms=None):
    """Deploy the fixture (or a variant); `forms` {form_id: [keys]} go into the bundle's files."""
    version = service.deploy_bundle(session, migration_files(edit), "owner",
                                    known_forms=MIGRATION_FORMS)
    if forms:  # the bundle format with forms/<id>.json (modeler-core): stored beside the XML
        files = dict(version.files)
        for form_id, keys in forms.items():
            files[f"forms/{form_id}.json"] = json.dumps(
                {"id": form_id, "type": "default",
                 "components": [{"type": "textfield", "key": k, "label": k} for k in keys]})
        version.files = files
    session.commit()
    return version


FORMS_V1 = {"dudit_m": ["drugs", "note"]}
FORMS_V2 = {"dudit_m2": ["drugs", "notes"]}


def mid_stage(session, n=1):
    """A pathway in 'behandling': AUDIT completed, DUDIT open, claimed by 'kim', with a draft."""
    patient = service.register_patient(session, f"{1100000000 + n}", f"Patient {n}", "K",
                                       "1980-05-01", "hovedstaden", "koebenhavn")
    pathway = service.start_pathway(session, patient.id, dict(START_DATA), "alice", now=T0)
    session.commit()
    [visit] = service.ready_tasks(session, pathway.id)
    service.complete_task(session, pathway.id, visit.task_id, {"accepted": True}, "alice", now=T0)
    session.commit()
    audit_item = task(session, pathway.id, "audit")
    service.complete_task(session, pathway.id, audit_item.task_id, {"audit_score": 9}, "alice",
                          now=T0)
    dudit = task(session, pathway.id, "dudit")
    service.claim_task(session, dudit.id, "kim")
    service.save_draft(session, pathway.id, dudit.task_id, {"drugs": "cannabis", "note": "dagligt"},
                       "kim")
    session.commit()
    return pathway


def task(session, pathway_id, spec):
    """The open worklist row of `spec` (exactly one)."""
    [item] = [i for i in service.ready_tasks(session, pathway_id) if i.task_spec == spec]
    return item


def open_specs(session, pathway_id):
    """Sorted specs of the pathway's open tasks."""
    return sorted(i.task_spec for i in service.ready_tasks(session, pathway_id))


def version_ids(session):
    """Ids of every deployed version, oldest first."""
    return list(session.scalars(select(DefinitionVersion.id).order_by(DefinitionVersion.id)))
