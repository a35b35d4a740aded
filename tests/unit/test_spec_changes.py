"""Change kinds between two versions of a stage, from SpiffWorkflow's SpecDiff (no database)."""
from engine.definitions.parsing import parse_bundle
from engine.migration.spec_changes import Changes, bundle_text_only
from tests.fixtures.engine import MIGRATION_FORMS, migration_files
from tests.fixtures.engine import migration_variants as h


def _bundle(edit=None):
    return parse_bundle(migration_files(edit), known_forms=MIGRATION_FORMS)


def _changes(edit):
    return Changes(_bundle().process("behandling").spec, _bundle(edit).process("behandling").spec)


def test_labels_guidance_and_timer_names_are_text():
    def texts(xml):
        xml = h.relabel(xml).replace('name="Frist for DUDIT"', 'name="Frist for DUDIT-skema"')
        return xml.replace('<spiffworkflow:property name="form" value="plan_m"/>',
                           '<spiffworkflow:property name="form" value="plan_m"/>'
                           '<spiffworkflow:property name="phase" value="Plan"/>')
    changes = _changes(texts)
    assert changes.text_only
    assert changes.kinds_of("dudit") == {"text"} and changes.kinds_of("dudit_deadline") == {"text"}
    assert changes.kinds_of("plan") == {"text"}
    assert bundle_text_only(_bundle(), _bundle(texts)) == (True, [])


def test_structure_forms_and_timers_are_not_text():
    added = _changes(h.add_task_after_dudit)
    assert added.added == {"medicin"} and "outputs" in added.kinds_of("dudit")
    assert not added.text_only
    assert _changes(h.remove_audit).removed == {"audit"}
    assert _changes(h.rename_dudit_form).kinds_of("dudit") == {"form"}
    timer = _changes(lambda x: x.replace("P14D", "P21D"))
    assert timer.kinds_of("dudit_deadline") == {"timer"}
    safe, reasons = bundle_text_only(_bundle(), _bundle(h.add_task_after_dudit))
    assert not safe and any("+ medicin" in r for r in reasons)
