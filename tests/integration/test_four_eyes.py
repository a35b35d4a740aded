"""Four eyes is one engine invariant: nothing unapproved becomes current or receives a pathway.

Each test reproduces one way a single process owner got unapproved content in front of
patients (issue 19): migrating to a proposal or a rejected version, auto-migrating a proposal,
rolling back to a proposal that an approval merged (superseded, never approved), and a job
created before the rule existed.
"""
import importlib.util
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from engine import modeling, service
from engine.definitions.proposals import approve, propose, reject, rollback
from engine.definitions.review import was_approved
from engine.errors import NotApproved
from engine.migration import jobs
from engine.migration.models import MigrationJob
from engine.models import AuditEntry, DefinitionVersion, Pathway
from tests.integration.four_eyes_helpers import base_files, deploy_base, edit, loop_forms, start
from webui.extensions import db

__all__ = ["loop_forms"]  # the fixture is used by name


@pytest.fixture
def s(app, loop_forms):
    with app.app_context():
        yield db.session


def _versions_of(s, ids):
    return {pid: s.get(Pathway, pid).version_id for pid in ids}


def test_no_migration_door_accepts_a_proposal(s):
    base = deploy_base(s)
    ids = [start(s, n).id for n in (1, 2)]
    proposal, _ = propose(s, base.id, edit(base_files(), "entry.bpmn", 1), "ejer")
    s.commit()
    modeling.set_auto_migrate(s, proposal.id, True, "ejer")
    s.commit()
    for door in (lambda: service.dry_run(s, proposal.id),
                 lambda: jobs.create_job(s, proposal.id, "ejer"),
                 lambda: service.migrate_pathway(s, ids[0], proposal.id, "ejer"),
                 lambda: jobs.auto_migrate_if_safe(s, proposal.id, "ejer")):
        with pytest.raises(NotApproved) as refused:
            door()
        s.rollback()
        assert refused.value.version_id == proposal.id and "proposed" in str(refused.value)
    assert _versions_of(s, ids) == {ids[0]: base.id, ids[1]: base.id}
    assert s.scalars(select(MigrationJob)).first() is None


def test_a_rejected_version_receives_nothing_and_never_becomes_current(s):
    base = deploy_base(s)
    pid = start(s, 1).id
    proposal, _ = propose(s, base.id, edit(base_files(), "entry.bpmn", 1), "ejer")
    reject(s, proposal.id, "ejer2", "nej")
    s.commit()
    with pytest.raises(NotApproved):
        jobs.create_job(s, proposal.id, "ejer")
    s.rollback()
    with pytest.raises(NotApproved):
        rollback(s, proposal.id, "ejer")
    s.rollback()
    assert s.get(Pathway, pid).version_id == base.id
    assert service.current_version(s).id == base.id


def test_a_merged_proposal_is_superseded_but_never_a_rollback_or_migration_target(s):
    base = deploy_base(s)
    pid = start(s, 1).id
    first, _ = propose(s, base.id, edit(base_files(), "entry.bpmn", 1), "ejer")
    second, _ = propose(s, base.id, edit(base_files(), "loop.bpmn", 1), "ejer")
    approve(s, first.id, "ejer2")
    merged = approve(s, second.id, "ejer2")
    s.commit()
    s.refresh(second)
    assert second.status == "superseded" and merged.id != second.id
    assert not was_approved(second) and was_approved(merged) and was_approved(first)
    with pytest.raises(NotApproved) as refused:
        rollback(s, second.id, "ejer")  # its own author, alone: the hole of issue 19
    assert "never approved" in str(refused.value)
    s.rollback()
    with pytest.raises(NotApproved):
        service.migrate_pathway(s, pid, second.id, "ejer")
    s.rollback()
    assert service.current_version(s).id == merged.id
    assert second not in modeling.approved_versions(s)
    # content that was approved and current before is a valid rollback, audited
    back, previous = rollback(s, first.id, "ejer")
    s.commit()
    assert (back.id, previous.id) == (first.id, merged.id)
    assert s.scalar(select(AuditEntry).where(AuditEntry.action == "definition.rolled_back"))


def test_a_job_made_for_a_proposal_before_the_rule_is_cancelled_not_run(s):
    base = deploy_base(s)
    pid = start(s, 1).id
    proposal, _ = propose(s, base.id, edit(base_files(), "entry.bpmn", 1), "ejer")
    s.commit()
    job = jobs.create_job(s, base.id, "ejer")  # an allowed job, then pointed at the proposal
    s.execute(update(MigrationJob).where(MigrationJob.id == job.id).values(
        target_version_id=proposal.id, status="running"))
    s.commit()
    assert jobs.run_batch(s, s.commit) == 1
    assert s.get(MigrationJob, job.id).status in ("cancelled", "done")
    assert s.get(Pathway, pid).version_id == base.id


def test_no_pathway_starts_on_a_current_version_nobody_approved(s):
    base = deploy_base(s)
    s.execute(update(DefinitionVersion).where(DefinitionVersion.id == base.id).values(
        approved_by=None))  # e.g. a proposal its author rolled back to before this fix
    s.commit()
    s.expire_all()
    with pytest.raises(NotApproved):
        start(s, 1)
    s.rollback()
    assert s.scalar(select(Pathway.id)) is None


def test_the_backfill_marks_pre_review_versions_approved_but_never_proposals(s):
    path = Path(__file__).resolve().parents[2] / "webui/migrations/versions/0810_four_eyes_backfill.py"
    spec = importlib.util.spec_from_file_location("backfill_0810", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    base = deploy_base(s)
    first, _ = propose(s, base.id, edit(base_files(), "entry.bpmn", 1), "ejer")
    second, _ = propose(s, base.id, edit(base_files(), "loop.bpmn", 1), "ejer")
    approve(s, first.id, "ejer2")
    approve(s, second.id, "ejer2")  # merged: `second` is superseded, never approved
    s.commit()
    s.execute(update(DefinitionVersion).where(DefinitionVersion.id == base.id).values(
        approved_by=None))  # as a version deployed before the review columns existed
    s.commit()
    s.execute(text(module.BACKFILL))
    s.commit()
    s.expire_all()
    assert s.get(DefinitionVersion, base.id).approved_by == "system"
    assert s.get(DefinitionVersion, second.id).approved_by is None
