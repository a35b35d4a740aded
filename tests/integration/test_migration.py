"""Migrating a pathway mid-stage keeps what clinicians did: tasks, ids, claims, drafts, data, timers."""
import pytest
from sqlalchemy import select

from engine import service
from engine.migration import moves
from engine.models import AuditEntry, AwaitedMessage, Pathway, TaskDraft, TaskRecord
from engine.runtime.drafts import PREVIOUS_KEY
from tests.integration import migration_helpers as h
from webui.extensions import db


def _snapshot(session, pathway_id):
    pathway = session.get(Pathway, pathway_id)
    item = h.task(session, pathway_id, "dudit")
    return dict(lock=pathway.lock_version, due=pathway.next_due_at, task_id=item.task_id,
                item_due=item.due_at, created=item.created_at,
                data=service.pathway_data(session, pathway_id))


def _migrated(session, pathway_id, version_id):
    moves.migrate(session, pathway_id, version_id, "owner", now=h.LATER)
    session.commit()
    session.expire_all()
    return session.get(Pathway, pathway_id)


def test_changed_label_keeps_task_id_claim_due_draft_timer_and_message(app):
    with app.app_context():
        s = db.session
        h.deploy(s)
        pathway = h.mid_stage(s)
        before = _snapshot(s, pathway.id)
        target = h.deploy(s, h.relabel)
        [verdict] = moves.dry_run(s, target.id)
        assert verdict.migratable and verdict.open_tasks == ("dudit",)

        moved = _migrated(s, pathway.id, target.id)
        assert moved.version_id == target.id and moved.lock_version == before["lock"] + 1
        item = h.task(s, pathway.id, "dudit")
        assert item.task_id == before["task_id"] and item.assignee == "kim"
        assert item.title == "DUDIT (stoffer)"
        assert (item.due_at, item.created_at) == (before["item_due"], before["created"])
        # the 14-day boundary timer still counts from the stage's start, not from the migration
        assert moved.next_due_at == before["due"]
        assert s.scalars(select(AwaitedMessage.name).where(
            AwaitedMessage.pathway_id == pathway.id)).all() == ["indlagt"]
        assert s.get(TaskDraft, (pathway.id, item.task_id)).data == {
            "drugs": "cannabis", "note": "dagligt"}
        assert service.pathway_data(s, pathway.id) == before["data"]
        record = s.scalars(select(TaskRecord).where(TaskRecord.kind == "migration")).one()
        assert record.data["kept"] == [item.task_id] and record.actor == "owner"
        assert s.scalars(select(AuditEntry.detail).where(
            AuditEntry.action == "pathway.migrate")).one().startswith("version 1 -> 2")
        # the run goes on in the new version
        service.complete_task(s, pathway.id, item.task_id, {"drugs": "nej"}, "kim", now=h.LATER)
        s.commit()
        assert h.open_specs(s, pathway.id) == ["plan"]
        assert service.pathway_data(s, pathway.id)["audit_score"] == 9


def test_added_task_follows_the_open_task(app):
    with app.app_context():
        s = db.session
        h.deploy(s)
        pathway = h.mid_stage(s)
        before = _snapshot(s, pathway.id)
        target = h.deploy(s, h.add_task_after_dudit)
        _migrated(s, pathway.id, target.id)
        item = h.task(s, pathway.id, "dudit")
        assert item.task_id == before["task_id"] and item.assignee == "kim"
        assert s.get(Pathway, pathway.id).next_due_at == before["due"]
        service.complete_task(s, pathway.id, item.task_id, {}, "kim", now=h.LATER)
        s.commit()
        assert h.open_specs(s, pathway.id) == ["medicin"]
        medicin = h.task(s, pathway.id, "medicin")
        service.complete_task(s, pathway.id, medicin.task_id, {}, "kim", now=h.LATER)
        s.commit()
        assert h.open_specs(s, pathway.id) == ["plan"]


def test_removed_open_task_goes_and_its_draft_stays_visible_closed_by_the_migration(app):
    with app.app_context():
        s = db.session
        h.deploy(s)
        pathway = h.mid_stage(s)
        before = _snapshot(s, pathway.id)
        target = h.deploy(s, h.remove_dudit)
        [verdict] = moves.dry_run(s, target.id)
        assert verdict.migratable and any(a.startswith("removed: dudit (drafts stay visible")
                                          for a in verdict.actions)
        # by task titles for the owner, and what happens to the draft
        assert verdict.plan["removed"] == ["DUDIT"] and verdict.plan["created"] == ["Koordineret plan"]
        assert (verdict.drafts, verdict.drafts_history, verdict.drafts_follow) == (1, 1, 0)

        moved = _migrated(s, pathway.id, target.id)
        assert h.open_specs(s, pathway.id) == ["plan"]  # the join no longer waits for DUDIT
        assert moved.next_due_at is None  # DUDIT's deadline went with it
        assert s.scalars(select(AwaitedMessage).where(
            AwaitedMessage.pathway_id == pathway.id)).all() == []
        # the draft is not lost: kept, closed by the migration, for the patient page
        [kept] = service.closed_drafts(s, pathway.id)
        assert (kept.task_id, kept.data, kept.closed_reason) == (
            before["task_id"], {"drugs": "cannabis", "note": "dagligt"}, f"Version 1 → {target.id}")
        record = s.scalars(select(TaskRecord).where(TaskRecord.kind == "migration")).one()
        assert record.data["removed"] == {before["task_id"]: "dudit"}
        assert record.data["draft_values_set_aside"] == {
            before["task_id"]: {"drugs": "cannabis", "note": "dagligt"}}
        assert service.pathway_data(s, pathway.id)["audit_score"] == 9


def test_removed_completed_task_is_not_migratable_and_changes_nothing(app):
    with app.app_context():
        s = db.session
        h.deploy(s)
        pathway = h.mid_stage(s)
        before = _snapshot(s, pathway.id)
        state = s.scalar(select(Pathway.state).where(Pathway.id == pathway.id))
        target = h.deploy(s, h.remove_audit)
        [verdict] = moves.dry_run(s, target.id)
        assert not verdict.migratable
        assert verdict.reason == f"completed task 'AUDIT' no longer exists in version {target.id}"
        with pytest.raises(moves.NotMigratable, match="AUDIT"):
            moves.migrate(s, pathway.id, target.id, "owner", now=h.LATER)
        s.rollback()
        s.expire_all()
        unchanged = s.get(Pathway, pathway.id)
        assert (unchanged.version_id, unchanged.lock_version) == (1, before["lock"])
        assert s.scalar(select(Pathway.state).where(Pathway.id == pathway.id)) == state
        assert h.task(s, pathway.id, "dudit").task_id == before["task_id"]


def test_renamed_form_field_keeps_fitting_values_and_sets_the_rest_aside(app):
    with app.app_context():
        s = db.session
        h.deploy(s, forms=h.FORMS_V1)
        pathway = h.mid_stage(s)
        before = _snapshot(s, pathway.id)
        target = h.deploy(s, h.rename_dudit_form, forms=h.FORMS_V2)
        [group] = moves.grouped(moves.dry_run(s, target.id))
        assert group["drafts"] == 1 and "dudit: draft values of note are kept aside and shown " \
            "(form dudit_m → dudit_m2)" in group["actions"]
        assert group["plan"]["aside"] == [["DUDIT", ["note"]]] and "DUDIT" in group["plan"]["kept"]
        assert (group["drafts_follow"], group["drafts_history"]) == (1, 0)
        _migrated(s, pathway.id, target.id)
        item = h.task(s, pathway.id, "dudit")
        assert item.task_id == before["task_id"] and item.form_id == "dudit_m2"
        draft = s.get(TaskDraft, (pathway.id, item.task_id)).data
        assert draft == {"drugs": "cannabis", PREVIOUS_KEY: {
            "version": 1, "form_id": "dudit_m", "values": {"note": "dagligt"}}}
        # saving the draft again (autosave) keeps the set-aside values visible
        service.save_draft(s, pathway.id, item.task_id, {"drugs": "alkohol", "notes": "x"}, "kim")
        s.commit()
        assert s.get(TaskDraft, (pathway.id, item.task_id)).data[PREVIOUS_KEY]["values"] == {
            "note": "dagligt"}


def test_pathway_on_the_target_version_or_in_a_missing_stage_is_refused(app):
    with app.app_context():
        s = db.session
        h.deploy(s)
        pathway = h.mid_stage(s)
        with pytest.raises(moves.NotMigratable, match="already runs"):
            moves.migrate(s, pathway.id, 1, "owner")
        s.rollback()
        target = h.deploy(s, lambda t: t.replace('id="behandling"', 'id="behandling2"')
                          .replace("'behandling'", "'behandling2'"))
        [verdict] = moves.dry_run(s, target.id)
        assert verdict.reason == f"stage 'behandling' does not exist in version {target.id}"
