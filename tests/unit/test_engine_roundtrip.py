"""Serialize and restore the workflow at every step: nothing may be lost."""
from datetime import UTC, datetime, timedelta

from engine import clock
from engine.definitions.parsing import parse_bundle
from engine.runtime import spiff
from tests.fixtures.engine import LOOP_FORMS, loop_files

BUNDLE = parse_bundle(loop_files(), known_forms=LOOP_FORMS)


def snapshot(workflow):
    """What must survive a save/load: tasks, their states and data, waits, data."""
    return {
        "tasks": sorted((str(t.id), t.task_spec.name, t.state, repr(sorted(t.data.items())))
                        for t in workflow.get_tasks()),
        "ready": sorted(str(t.id) for t in spiff.ready_user_tasks(workflow)),
        "waiting": sorted((str(t.id), kind, name, str(due))
                          for t, kind, name, due in spiff.waiting_events(workflow)),
        "data": repr(sorted(workflow.data.items())),
        "completed": workflow.is_completed(),
    }


def roundtrip(process, workflow):
    """Dump and restore; assert nothing changed; continue with the restored workflow."""
    text = spiff.dump(workflow)
    restored = spiff.load(process, text)
    assert snapshot(restored) == snapshot(workflow)
    assert spiff.dump(restored) == text
    return restored


def test_stabil_run_survives_roundtrip_at_every_step():
    process = BUNDLE.process("stabil")
    start = datetime(2026, 3, 1, tzinfo=UTC)
    with clock.frozen_at(start):
        wf = spiff.new_workflow(process, {"run_started_at": start.isoformat(),
                                            "followups": 0})
        wf = roundtrip(process, wf)
        wf.do_engine_steps()
        wf = roundtrip(process, wf)
        [task] = spiff.ready_user_tasks(wf)
        waits = spiff.waiting_events(wf)
        assert {(k, n) for _, k, n, _ in waits} == {("timer", "Frist overskredet"),
                                                    ("message", "indlagt")}
        [due] = [d for _, k, _, d in waits if k == "timer"]
        assert due == start + timedelta(days=60)
        task.data.update({"relapse": False, "done": False})
        task.run()
        wf = roundtrip(process, wf)
        wf.do_engine_steps()
        wf = roundtrip(process, wf)
    assert wf.is_completed() and wf.data["next_stage"] == "stabil" and wf.data["followups"] == 1


def test_timer_fires_after_restore_with_engine_clock():
    process = BUNDLE.process("stabil")
    start = datetime(2026, 3, 1, tzinfo=UTC)
    with clock.frozen_at(start):
        wf = spiff.new_workflow(process, {"run_started_at": start.isoformat()})
        wf.do_engine_steps()
        wf = roundtrip(process, wf)
    with clock.frozen_at(start + timedelta(days=61)):
        wf = roundtrip(process, wf)
        wf.refresh_timers()
        wf.do_engine_steps()
        wf = roundtrip(process, wf)
    assert wf.is_completed() and wf.data["next_stage"] == "ustabil" and wf.data["overdue"]


def test_message_after_restore():
    process = BUNDLE.process("indlagt")
    wf = spiff.new_workflow(process, {})
    wf.do_engine_steps()
    wf = roundtrip(process, wf)
    assert spiff.deliver(wf, "udskrevet", {"dato": "2026-02-02"}) == 1
    wf = roundtrip(process, wf)
    wf.do_engine_steps()
    assert wf.is_completed() and wf.data["dato"] == "2026-02-02"
    assert wf.data["next_stage"] == "ustabil"
