"""Moving the current run of a stage onto a new version with SpiffWorkflow's diff and migration.

`SpecDiff`/`WorkflowDiff` (SpiffWorkflow.bpmn.util.diff) align the run's tasks with the new
specs; `migrate_workflow` swaps the specs and re-predicts every open (READY/WAITING) task in
place, so open tasks keep their ids. Around that this module decides what is safe, removes
open tasks whose element was deleted, creates newly added parallel branches and boundary
events, and puts back what a reset throws away: the open tasks' data and their timers'
computed due times (unless the timer itself changed).
"""
from copy import deepcopy
from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.util.diff import WorkflowDiff, migrate_workflow
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState

from engine.errors import EngineError
from engine.runtime import spiff
from engine.runtime.pathways import data_defaults

OPEN = TaskState.READY | TaskState.WAITING
DONE = TaskState.COMPLETED | TaskState.STARTED | TaskState.ERROR
# Completed tasks whose new outgoing flows we create when an output was added: a parallel
# split (a new branch) and the split in front of a task with boundary events (a new event).
BRANCHING = ("ParallelGateway", "BoundaryEventSplit")


class NotMigratable(EngineError):
    """The pathway's current run cannot move to the target version; the message says why."""


@dataclass
class RunChange:
    """What a migration does to one run: open user tasks kept, removed and created; timers."""

    kept: dict = field(default_factory=dict)       # task id -> (old spec name, new spec name)
    removed: dict = field(default_factory=dict)    # task id -> spec name
    created: dict = field(default_factory=dict)    # task id -> spec name
    timers_restarted: list = field(default_factory=list)
    old_forms: dict = field(default_factory=dict)  # task id -> form id before the migration
    due_changed: set = field(default_factory=set)  # kept task ids whose `due` expression changed


def label(task):
    """A task's label for messages: its BPMN name, else its id."""
    spec = task.task_spec
    return getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or spec.name


def _form(task):
    return ((getattr(task.task_spec, "extensions", None) or {}).get("properties") or {}).get("form")


def _user_tasks(workflow):
    return {str(t.id): t for t in spiff.ready_user_tasks(workflow)}


def _inside(task, root_ids):
    while task is not None:
        if task.id in root_ids:
            return True
        task = task.parent
    return False


def _removed_roots(wdiff, changes):
    """{root task id: (root, anchor)}: the highest removed ancestor of each removed open task
    (e.g. the boundary split in front of a removed user task) and the kept task before it."""
    roots = {}
    for task in wdiff.removed:
        if not task.state & OPEN:
            continue
        root = task
        while root.parent is not None and root.parent.task_spec.name in changes.removed:
            root = root.parent
        if root.parent is None:
            raise NotMigratable("the start of the stage was removed")
        roots[root.id] = (root, root.parent)
    return {rid: pair for rid, pair in roots.items() if not _inside(pair[1], set(roots))}


def _check(workflow, wdiff, changes, roots, version):
    """Raise NotMigratable when completed or running work would be lost or bypassed; return
    the completed tasks whose added outputs must be created."""
    root_ids = set(roots)
    for task in wdiff.removed:
        if task.state & DONE and not _inside(task, root_ids):
            raise NotMigratable(f"completed task '{label(task)}' no longer exists in "
                                f"version {version}")
    for root, _anchor in roots.values():
        for task in root:
            if task.state & (DONE | OPEN) and task.task_spec.name not in changes.removed:
                raise NotMigratable(f"'{label(task)}' follows the removed task "
                                    f"'{label(root)}' and would be lost")
    grow = []
    for task in workflow.get_tasks(state=DONE):
        if _inside(task, root_ids):
            continue
        kinds = changes.kinds_of(task.task_spec.name)
        if "typename" in kinds:
            raise NotMigratable(f"completed task '{label(task)}' changed its type")
        if task.state == TaskState.STARTED and kinds - {"text"}:
            raise NotMigratable(f"running task '{label(task)}' changed ({', '.join(sorted(kinds))})")
        if "outputs" not in kinds:
            continue
        new_outputs = {spec.name for spec in changes.new_of(task.task_spec).outputs}
        have = set()
        for child in task.children:
            if not child.state & (DONE | OPEN) or child.id in root_ids:
                continue
            aligned = changes.new_of(child.task_spec)
            if aligned is None or aligned.name not in new_outputs:
                raise NotMigratable(f"the flow after completed task '{label(task)}' changed; "
                                    f"the run is already past that point")
            have.add(aligned.name)
        if new_outputs - have and task.task_spec.__class__.__name__ in BRANCHING:
            grow.append(task)
    return grow


def _regrow(anchor):
    """Give a completed task the children its (new) spec asks for and let them proceed."""
    try:
        anchor._sync_children(anchor.task_spec.outputs, TaskState.FUTURE)
    except WorkflowException as exc:
        raise NotMigratable(f"'{label(anchor)}' cannot be continued: {exc}") from None
    for child in anchor.children:
        if child.state == TaskState.FUTURE:
            child.task_spec._update(child)


def _prune_stale(workflow, spec):
    """Drop cancelled or predicted tasks whose element is gone (they would not load), and
    forget removed tasks in the event manager (it would still fire their timers)."""
    for task in list(workflow.tasks.values()):
        if task.id not in workflow.tasks or spec.task_specs.get(task.task_spec.name) is task.task_spec:
            continue
        if task.state & (TaskState.CANCELLED | TaskState.PREDICTED_MASK) and task.parent:
            workflow._remove_task(task.id)
        else:
            raise NotMigratable(f"task '{label(task)}' has no element in the new version")
    waiting = workflow.event_manager.tasks
    for task_id in [tid for tid in waiting if tid not in workflow.tasks]:
        waiting.pop(task_id)


def _fill_defaults(data_dicts, names):
    """Give each data dict None for the declared names it lacks (docs/contracts.md)."""
    for data in data_dicts:
        for name in names:
            data.setdefault(name, None)


def migrate_run(workflow, changes, new_process, version):
    """Move `workflow` (the current run) onto `new_process` in place; return a RunChange."""
    if workflow.subprocesses:
        raise NotMigratable("a called process is running in this stage")
    wdiff = WorkflowDiff(workflow, changes.diff)
    roots = _removed_roots(wdiff, changes)
    grow = _check(workflow, wdiff, changes, roots, version)
    open_before = _user_tasks(workflow)
    before = {tid: t.task_spec.name for tid, t in open_before.items()}
    result = RunChange(old_forms={tid: _form(t) for tid, t in open_before.items()})
    # What a reset throws away: open tasks' data and their timers' computed due times.
    saved = {t.id: (deepcopy(t.data), deepcopy(t.internal_data),
                    "timer" in changes.kinds_of(t.task_spec.name))
             for t in workflow.get_tasks(state=OPEN)}
    # keys the new version's stage declares (start event `data_defaults`) but the old run's data
    # lacks: new branches regrown below would otherwise fail on an unknown name
    names = data_defaults(new_process)
    _fill_defaults((data for data, _internal, _timer in saved.values()), names)

    last = workflow.last_task

    def run():
        migrate_workflow(wdiff, workflow, new_process.spec)
        # migrate_workflow looks the last task up among ids by object and so always drops it;
        # the run's data (spiff.current_data) is read from it.
        workflow.last_task = last if last is not None and last.id in workflow.tasks else None
        workflow.subprocess_specs = new_process.subprocess_specs
        _fill_defaults((t.data for t in workflow.tasks.values()), names)
        for root, anchor in roots.values():
            if root.id in workflow.tasks:
                workflow._remove_task(root.id)
            _regrow(anchor)
        for anchor in grow:
            _regrow(anchor)
        for task_id, (data, internal, timer_changed) in saved.items():
            task = workflow.tasks.get(task_id)
            if task is None or not task.state & OPEN:
                continue
            task.data = data
            if timer_changed:
                result.timers_restarted.append(label(task))
            else:
                task.internal_data = internal
        _prune_stale(workflow, new_process.spec)
        workflow.do_engine_steps()
    try:
        spiff.step(run)
    except NotMigratable:
        raise
    except EngineError as exc:
        raise NotMigratable(f"the run fails on version {version}: {exc}") from None
    stuck = spiff.stuck_tasks(workflow)
    if stuck:
        raise NotMigratable(f"the run would stop for good in {', '.join(stuck)}")
    after = _user_tasks(workflow)
    for tid, name in before.items():
        if tid in after:
            result.kept[tid] = (name, after[tid].task_spec.name)
            if "due" in changes.kinds_of(name):
                result.due_changed.add(tid)
        else:
            result.removed[tid] = name
    result.created = {tid: t.task_spec.name for tid, t in after.items() if tid not in before}
    return result
