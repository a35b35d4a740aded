"""SpiffWorkflow glue: the sandboxed script engine, a spec-free serializer, workflow inspection."""
import contextvars
import json
from contextlib import contextmanager
from copy import deepcopy
from datetime import date, datetime, timedelta
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine import clock
from engine.definitions import rules
from engine.errors import EngineError, SandboxViolation, TaskNotReady
from engine.sandbox import isolation

clock.install()
MAX_INSTANCES = 100  # multi-instance cardinality: SpiffWorkflow lists range(n) in the service


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates and executes everything in an isolated, bounded sandbox worker process."""

    def evaluate(self, expression, context, external_context=None):
        """Evaluate an expression against task data."""
        return isolation.evaluate(expression, context, external_context)

    def execute(self, script, context, external_context=None):
        """Execute a script that updates task data."""
        return isolation.execute(script, context, external_context)

    def call_service(self, context, **kwargs):
        """Service tasks are not part of Forløb's pathways."""
        raise SandboxViolation("service tasks are not allowed")


class SandboxScriptEngine(PythonScriptEngine):
    """The script engine attached to every workflow, on creation and after every load."""

    def __init__(self):
        super().__init__(environment=SandboxEnvironment())

    def evaluate(self, task, expression, external_context=None):
        """Evaluate in the sandbox; bare ISO literals in timer definitions are plain text."""
        event = getattr(task.task_spec, "event_definition", None)
        if isinstance(event, TimerEventDefinition):
            if rules.is_iso_literal(expression):
                return expression.strip()
            return _timer_text(self._evaluate(task, expression, external_context), task)
        value = self._evaluate(task, expression, external_context)
        if expression == getattr(task.task_spec, "cardinality", None) and \
                (not isinstance(value, int) or value > MAX_INSTANCES):
            raise SandboxViolation(f"a multi-instance cardinality must be a number up to "
                                   f"{MAX_INSTANCES}", task.task_spec.bpmn_id, limit="size")
        return value

    def validate(self, expression):
        """Syntax check (SpiffWorkflow's DMN engine asks) in a worker, not in the service."""
        if not isolation.check(expression, "parse"):
            raise SyntaxError(f"invalid syntax: {expression[:80]}")

    def _evaluate(self, task, expression, external_context):
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except SandboxViolation as exc:
            raise exc.at(task.task_spec.bpmn_id or task.task_spec.name) from None

    def execute(self, task, script, external_context=None):
        """Execute in the sandbox, naming the element on violations."""
        try:
            return self.environment.execute(script, task.data, external_context or {})
        except SandboxViolation as exc:
            raise exc.at(task.task_spec.bpmn_id or task.task_spec.name) from None
        except Exception as err:
            raise self.create_task_exec_exception(task, script, err) from err


def _timer_text(value, task):
    """SpiffWorkflow parses timer values as text: dates, datetimes and durations become ISO."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, timedelta) and value >= timedelta(0):
        return f"P{value.days}DT{value.seconds + value.microseconds / 1e6:g}S"
    if not isinstance(value, str):
        raise EngineError(f"error in element '{task.task_spec.bpmn_id}': a timer expression "
                          f"must give an ISO date, datetime or duration, not "
                          f"{type(value).__name__}")
    return value


SCRIPT_ENGINE = SandboxScriptEngine()
WAITING = TaskState.WAITING


class SpecFreeWorkflowConverter(BpmnWorkflowConverter):
    """Leaves the (cached, immutable) specs out of the stored state and puts them back on load."""

    def to_dict(self, workflow):
        """The workflow's state without its specs."""
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        """Rebuild a workflow from state plus the cached specs."""
        dct["spec"] = spec
        dct["subprocess_specs"] = subprocess_specs
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_CONFIG = dict(SPIFF_CONFIG)
_CONFIG[BpmnWorkflow] = SpecFreeWorkflowConverter
SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_CONFIG))


def dump(workflow):
    """Serialize a workflow's state (no specs) to JSON text."""
    return SERIALIZER.serialize_json(workflow)


def load(process, text):
    """Restore a workflow of `process` from dump() text, with the sandbox attached."""
    dct = json.loads(text)
    SERIALIZER.migrate(dct)
    workflow = SERIALIZER.registry.restore(dct, spec=process.spec,
                                           subprocess_specs=process.subprocess_specs)
    workflow.script_engine = SCRIPT_ENGINE
    return workflow


def new_workflow(process, data):
    """A new workflow of `process` whose start carries `data`, not yet stepped."""
    workflow = BpmnWorkflow(process.spec, process.subprocess_specs, script_engine=SCRIPT_ENGINE)
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(deepcopy(data))
    return workflow


def fill_missing(workflow, values):
    """Set each key of `values` wherever a task's or the workflow's data holds it as None.

    A pathway is started before its row (and a new patient's) exists, so the definition never
    runs while this click holds SQLite's write lock; its run carried `pathway_id` and
    `patient_id` as None until the rows were written.
    """
    flows = [workflow, *getattr(workflow, "subprocesses", {}).values()]
    for flow in flows:
        for data in [flow.data, *(task.data for task in flow.tasks.values())]:
            fill_none(data, values)


def fill_none(data, values):
    """Set each key of `values` that `data` (a dict) holds as None."""
    if isinstance(data, dict):
        for key, value in values.items():
            if key in data and data[key] is None:
                data[key] = value


def unwrap(exc):
    """Find a SandboxViolation or EngineError inside SpiffWorkflow's wrapping exceptions."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, EngineError):
            return exc
        exc = getattr(exc, "exception", None) or exc.__cause__ or exc.__context__
    return None


def step(action, element=None):
    """Run an engine action; translate SpiffWorkflow errors into EngineError with the element."""
    try:
        return action()
    except EngineError:
        raise
    except Exception as exc:
        inner = unwrap(exc)
        if inner is not None:
            raise inner from None
        task = getattr(exc, "task", None)
        where = getattr(getattr(task, "task_spec", None), "bpmn_id", None) or element
        raise EngineError(f"error in element '{where}': {exc}") from exc


def user_task(workflow, task_id):
    """The READY user task with this id, or TaskNotReady."""
    try:
        task = workflow.get_task_from_id(UUID(str(task_id)))
    except Exception:
        task = None
    if task is None or task.state != TaskState.READY or not task.task_spec.manual:
        raise TaskNotReady(f"task {task_id} is not a ready user task of this pathway")
    return task


# Inside `unchanging(workflow)` the workflow's task tree does not change (a save projects it),
# so its ready user tasks and waiting events are walked once instead of once per reader.
_UNCHANGING: contextvars.ContextVar[dict | None] = contextvars.ContextVar("forlob_unchanging",
                                                                         default=None)


@contextmanager
def unchanging(workflow):
    """While the block runs, walk `workflow`'s tree once per question (it must not change)."""
    token = _UNCHANGING.set({"workflow": workflow})
    try:
        yield
    finally:
        _UNCHANGING.reset(token)


def _once(workflow, key, compute):
    memo = _UNCHANGING.get()
    if memo is None or memo["workflow"] is not workflow:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return list(memo[key])  # a copy: callers may not change what the next reader sees


def _open_tasks(workflow):
    """READY and WAITING tasks (the open ones)."""
    return _once(workflow, "open", lambda: workflow.get_tasks(
        state=TaskState.READY | TaskState.WAITING))


def ready_user_tasks(workflow):
    """READY manual (user) tasks."""
    return _once(workflow, "ready", lambda: [
        t for t in _open_tasks(workflow) if t.state == TaskState.READY and t.task_spec.manual])


def stuck_tasks(workflow):
    """Names of the tasks a run waits in when nothing the engine drives (a user task, a timer
    or a message) can ever move it on; [] when the run is completed or can move on."""
    if workflow.is_completed() or ready_user_tasks(workflow) or waiting_events(workflow):
        return []
    return [t.task_spec.bpmn_id or t.task_spec.name
            for t in _open_tasks(workflow)]


def waiting_events(workflow):
    """(task, kind, name, due) for every WAITING catch event: timers and messages."""
    return _once(workflow, "waiting", lambda: _waiting_events(workflow))


def _waiting_events(workflow):
    result = []
    for task in _open_tasks(workflow):
        if task.state != TaskState.WAITING:
            continue
        event = getattr(task.task_spec, "event_definition", None)
        if isinstance(event, TimerEventDefinition):
            result.append((task, "timer", task.task_spec.bpmn_name or "", _timer_due(task)))
        elif isinstance(event, MessageEventDefinition):
            result.append((task, "message", event.name, None))
    return result


def _timer_due(task):
    value = task._get_internal_data("event_value")
    if isinstance(value, dict):
        value = value.get("next") if value.get("cycles") != 0 else None
    if not value:
        return None
    return TimerEventDefinition.get_datetime(value) if isinstance(value, str) else value


def deliver(workflow, name, payload):
    """Deliver a message by name; merge payload into the catching tasks; return how many caught."""
    waiting = [t for t, kind, n, _ in waiting_events(workflow) if kind == "message" and n == name]
    if not waiting:
        return 0
    # Event definitions only match their own class (the spiff subclass, here).
    definition = type(waiting[0].task_spec.event_definition)(name)
    # A catch event on its own parallel branch holds the data of the fork only; the state the
    # run has reached (e.g. a visitation done meanwhile) must go on with it, then the payload.
    reached = reached_data(workflow)
    workflow.catch(BpmnEvent(definition, payload=deepcopy(payload)))
    caught = [t for t in waiting if t.state != TaskState.WAITING]
    for task in caught:
        task.data.update(deepcopy(reached))
        task.data.update(deepcopy(payload))
    return len(caught)


def reached_data(workflow):
    """The run's open state plus what every completed task changed, in the order they completed.

    Parallel branches do not share data, so the open tasks alone miss what a finished branch
    did (e.g. AUDIT done in one branch while the admission is caught in another); each
    completed task's own changes (its data against its parent's) are laid over it.
    """
    data = current_data(workflow)
    done = [t for t in workflow.get_tasks(state=TaskState.COMPLETED) if t.parent is not None]
    for task in sorted(done, key=lambda t: t.last_state_change):
        before = task.parent.data
        data.update({k: v for k, v in task.data.items()
                     if k != "data_objects" and (k not in before or before[k] != v)})
    return data


def current_data(workflow):
    """The data the run has reached: the workflow's data when done, else the last task's."""
    if workflow.is_completed():
        data = dict(workflow.data)
    else:
        # Parallel branches each hold part of the data: merge the open tasks' data, then let
        # the most recently completed task win.
        data = {}
        for task in _open_tasks(workflow):
            data.update(task.data)
        data.update((workflow.last_task or workflow.task_tree).data)
    data.pop("data_objects", None)
    return data


def jsonable(value):
    """A JSON-safe deep copy (dates become ISO strings)."""
    return json.loads(json.dumps(value, default=_json_default))


def _json_default(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)
