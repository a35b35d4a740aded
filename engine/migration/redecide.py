"""Waiting timers whose date a decision table gave follow the target version's table.

A pathway waiting for phase-in waits on a timer `phase_in_date`, which the `phase_in` decision
set when the referral was read. A migration keeps the waiting timer, so without this the
patient would keep the old version's date although the new version changed the table. Here a
waiting timer whose expression is exactly a decision output is decided again, with the data the
decision saw, by the (migrated) business rule task's new table; a changed date replaces the
value (and plain copies of it, such as `waiting_until = phase_in_date`) and restarts the timer.
Values computed from it by other expressions (e.g. a guarantee date) are left as they are.
"""
import re
from typing import Any

from SpiffWorkflow.util.task import TaskState

from engine.runtime import spiff

NAME = re.compile(r"^[A-Za-z_]\w*$")


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


def redecide(workflow) -> list[dict[str, Any]]:
    """Decide every waiting decision-dated timer again; return what was checked and changed.

    Each item: {"timer": title, "name": output name, "old": value, "new": value}; the timer
    restarts only when new differs from old.
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
    return checked
