"""Waiting timers whose date a decision table gave follow the target version's table.

A pathway waiting for phase-in waits on a timer `phase_in_date`, which the `phase_in` decision
set when the referral was read. A migration keeps the waiting timer, so without this the
patient would keep the old version's date although the new version changed the table. Here a
waiting timer whose expression is exactly a decision output is decided again, with the data the
decision saw, by the (migrated) business rule task's new table; a changed date replaces the
value (and plain copies of it, such as `waiting_until = phase_in_date`) and restarts the timer.

Values a script computed from it follow (`_follow`): the guarantee deadline is 14 days after the
later of receipt and phase-in date (*Beregn behandlingsgaranti*, docs/pathway.md), so a moved
phase-in date moves `guarantee_due`, and with it the pathway's stored guarantee fact and the
guarantee's warning and breach timers. Such a script runs again in the sandbox with the data it
saw and the new value; a value follows only when the script, run again with the old value,
gives exactly what it stored (it is a pure computation), and a script that reads the clock
(`now()`) is left alone (run today it would give another answer than on its day).
"""
import re
from typing import Any

from SpiffWorkflow.util.task import TaskState

from engine.runtime import spiff

NAME = re.compile(r"^[A-Za-z_]\w*$")
CLOCK = re.compile(r"\bnow\s*\(")


def _outputs(spec):
    """Output names of a business rule task's decision table (empty for other tasks)."""
    table = getattr(getattr(spec, "dmnEngine", None), "decision_table", None)
    return {o.name for o in getattr(table, "outputs", ()) or () if getattr(o, "name", None)}


def _deciding(workflow, name):
    """The most recent completed business rule task that output `name`, or None."""
    done = [t for t in workflow.get_tasks(state=TaskState.COMPLETED) if name in _outputs(t.task_spec)]
    return max(done, key=lambda t: t.last_state_change, default=None)


def _copies(workflow, name):
    """Names a completed script of the run sets to exactly `name` (`waiting_until = name`)."""
    found = set()
    for task in workflow.get_tasks(state=TaskState.COMPLETED):
        script = getattr(task.task_spec, "script", None)
        if isinstance(script, str):
            for line in script.splitlines():
                left, eq, right = line.partition("=")
                if eq and right.strip() == name and NAME.match(left.strip()):
                    found.add(left.strip())
    return found


def _reading_scripts(workflow, name):
    """The latest completed run of each script that reads `name` and not the clock."""
    reads = re.compile(rf"\b{re.escape(name)}\b")
    latest: dict[str, Any] = {}
    for task in workflow.get_tasks(state=TaskState.COMPLETED):
        script = getattr(task.task_spec, "script", None)
        if not isinstance(script, str) or not reads.search(script) or CLOCK.search(script):
            continue
        known = latest.get(task.task_spec.name)
        if known is None or task.last_state_change > known.last_state_change:
            latest[task.task_spec.name] = task
    return list(latest.values())


def _run_again(workflow, task, name, value):
    """What the script of `task` sets when run on its data with `name` = value."""
    data = dict(task.data)
    data[name] = value
    workflow.script_engine.environment.execute(task.task_spec.script, data, {})
    return data


def _follow(workflow, name, old, new):
    """Values scripts computed from `name`, computed again from its new value.

    Returns [{"by": script title, "name": key, "old": value, "new": value}] for each value that
    changes; the open tasks' and the run's data holding the old value get the new one.
    """
    followed = []
    for task in _reading_scripts(workflow, name):
        again_old = _run_again(workflow, task, name, old)
        again_new = _run_again(workflow, task, name, new)
        for key, value in again_new.items():
            stored = task.data.get(key)
            if key == name or key not in task.data or again_old.get(key) != stored or value == stored:
                continue  # not set by this script, not a pure computation, or unchanged
            followed.append({"by": task.task_spec.bpmn_name or task.task_spec.name, "name": key,
                             "old": stored, "new": value})
    for change in followed:
        _replace(workflow, change["name"], change["old"], change["new"])
    return followed


def _replace(workflow, key, old, new):
    """Give every open task (and the run's last one) `new` where it holds `old` for `key`, and
    restart the waiting timers whose date is computed from `key` (guarantee warning, breach)."""
    reads = re.compile(rf"\b{re.escape(key)}\b")
    holders = [t for t in workflow.get_tasks() if not t.has_state(TaskState.FINISHED_MASK)]
    # an open task inherits its parent's data again when refreshed (a timer's restart), so the
    # parents it inherits from follow too, as does the run's last task (spiff.current_data)
    holders += [t.parent for t in holders if t.parent is not None]
    if workflow.last_task is not None:
        holders.append(workflow.last_task)
    for holder in holders:
        if holder.data.get(key) == old:
            holder.data[key] = new
    for task, kind, _title, _due in spiff.waiting_events(workflow):
        expression = str(getattr(task.task_spec.event_definition, "expression", "") or "")
        if kind == "timer" and reads.search(expression):
            task.internal_data.pop("event_value", None)
            task.internal_data.pop("event_fired", None)


def redecide(workflow) -> list[dict[str, Any]]:
    """Decide every waiting decision-dated timer again; return what was checked and changed.

    Each item: {"timer": title, "name": output name, "old": value, "new": value, "follows":
    [values computed from it that changed, see `_follow`]}; the timer restarts only when new
    differs from old.
    """
    checked = []
    for task, kind, title, _due in spiff.waiting_events(workflow):
        expression = str(getattr(task.task_spec.event_definition, "expression", "") or "").strip()
        if kind != "timer" or not NAME.match(expression) or expression not in task.data:
            continue
        rule = _deciding(workflow, expression)
        if rule is None:
            continue
        result = spiff.step(lambda rule=rule: rule.task_spec.dmnEngine.result(rule))
        old, new = task.data.get(expression), (result or {}).get(expression)
        checked.append({"timer": title or expression, "name": expression, "old": old,
                        "new": new if new is not None else old})
        if new is None or new == old:
            continue
        last = workflow.last_task  # the run's data is read from it (spiff.current_data)
        for key in {expression} | _copies(workflow, expression):
            for holder in (task, last) if last is not None else (task,):
                if holder.data.get(key) == old:
                    holder.data[key] = new
        task.internal_data.pop("event_value", None)  # recomputed from the new date
        task.internal_data.pop("event_fired", None)
        checked[-1]["follows"] = _follow(workflow, expression, old, new)
    return checked
