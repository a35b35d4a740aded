"""Which elements runs reach, collected while scenarios run, so a change reruns only its scenarios.

Besides stages and BPMN elements, the decision-table rows a business rule task matched are noted:
a change to one row's outputs concerns only the journeys that matched that row.
"""
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from SpiffWorkflow.dmn.specs.business_rule_task_mixin import BusinessRuleTaskMixin
from SpiffWorkflow.util.task import TaskState

from engine.runtime import spiff

# a task in any of these states was reached by the run (FUTURE/LIKELY/MAYBE were only predicted)
REACHED_STATES = TaskState.WAITING | TaskState.READY | TaskState.STARTED | TaskState.COMPLETED | \
    TaskState.ERROR


class Reached(set):
    """Stage ids, element ids and matched rule ids; remembers which rule tasks it has asked."""

    def __init__(self):
        super().__init__()
        self.decided: set = set()  # ids of completed business rule tasks already noted


_REACHED: ContextVar[Reached | None] = ContextVar("forlob_reached", default=None)


@contextmanager
def collecting() -> Iterator[Reached]:
    """Collect, in this context only, the stages, elements and rule rows every run reaches."""
    reached = Reached()
    token = _REACHED.set(reached)
    try:
        yield reached
    finally:
        _REACHED.reset(token)


def note(workflow, stage) -> None:
    """Add the stage and what the workflow reached to the collection, if one is open."""
    reached = _REACHED.get()
    if reached is None:
        return
    reached.add(stage)
    for task in workflow.get_tasks(state=REACHED_STATES):
        reached.add(task.task_spec.name)
        if isinstance(task.task_spec, BusinessRuleTaskMixin) and task.state == TaskState.COMPLETED \
                and task.id not in reached.decided:
            reached.decided.add(task.id)
            # asks the table again with the task's inputs: only while scenarios are collected
            reached.update(rule.id for rule in spiff.step(lambda t=task: t.task_spec.dmnEngine.decide(t)))
