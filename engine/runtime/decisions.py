"""Read decision tables of a deployed version by evaluating them, without running a pathway.

The phase-in dashboard asks the `phase_in` decision for every region × group of the newest
version, exactly as the Henvisning stage's business rule task would, so it shows the dates
the engine will really use (including a region's own row or the fallback row).
"""
from datetime import date
from types import SimpleNamespace

from SpiffWorkflow.dmn.specs.business_rule_task_mixin import BusinessRuleTaskMixin
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.definitions.parsing import parse_xml
from engine.definitions.versions import bundle_of, latest_version, version_digest
from engine.errors import NotFound
from engine.models import DefinitionVersion
from engine.runtime import spiff
from engine.sandbox.helpers import date_of

_ENGINES: dict = {}  # (content hash, decision id) → DMN engine; a version's files never change


def _decision_engine(session, version_id, decision_id):
    """The DMN engine of a decision: the one a business rule task calls, else the DMN file's own.

    Decisions such as the contact-hour frames are read by the web layer only, so no task calls
    them; they are still part of the version's bundle and edited in the modeler like any other.
    """
    bundle = bundle_of(session, version_id)
    for process in bundle.processes.values():
        for spec in [process.spec] + list((process.subprocess_specs or {}).values()):
            for task_spec in spec.task_specs.values():
                called = (getattr(task_spec, "extensions", None) or {}).get("calledDecisionId")
                if isinstance(task_spec, BusinessRuleTaskMixin) and called == decision_id:
                    return task_spec.dmnEngine
    key = (bundle.content_hash, decision_id)
    if key not in _ENGINES:
        _ENGINES[key] = _engine_from_files(session.get(DefinitionVersion, version_id).files,
                                           decision_id)
    return _ENGINES[key]


def _engine_from_files(files, decision_id):
    """Parse the version's DMN files and return the engine of one decision (NotFound if none)."""
    parser = SpiffBpmnParser()
    for name, text in sorted(files.items()):
        if name.endswith(".dmn"):
            data = text.encode("utf-8") if isinstance(text, str) else text
            parser.add_dmn_xml(parse_xml(name, data), filename=name)
    if decision_id not in parser.dmn_parsers:
        raise NotFound(f"no DMN file of the version defines decision '{decision_id}'")
    return parser.get_engine(decision_id, None)


def _version_id(session, version_id):
    """The given version id, or the newest deployed one (NotFound when nothing is deployed)."""
    if version_id is None:
        version = latest_version(session)
        if version is None:
            raise NotFound("nothing is deployed")
        version_id = version.id
    return version_id


def evaluate(session, decision_id, inputs: dict, version_id=None) -> dict:
    """The outputs of a decision for `inputs` in a version (default: the newest)."""
    version_id = _version_id(session, version_id)
    engine = _decision_engine(session, version_id, decision_id)
    # A stand-in task: the DMN engine only reads data, the script engine and the spec's id.
    task = SimpleNamespace(data=dict(inputs), workflow=SimpleNamespace(
        script_engine=spiff.SCRIPT_ENGINE),
        task_spec=SimpleNamespace(bpmn_id=decision_id, name=decision_id, event_definition=None))
    return spiff.step(lambda: engine.result(task))


_MEMO = {}  # (content hash, regions, groups) → dates; a version's files never change


def phase_in_dates(session, regions, groups=(1, 2, 3), version_id=None) -> dict:
    """{(region, group): date or None} from the `phase_in` decision of a deployed version."""
    if version_id is None:
        version = latest_version(session)
        if version is None:
            raise NotFound("nothing is deployed")
        version_id = version.id
    key = (version_digest(session, version_id), tuple(regions), tuple(groups))
    if key not in _MEMO:
        _MEMO[key] = _evaluate_all(session, regions, groups, version_id)
    return dict(_MEMO[key])


def _evaluate_all(session, regions, groups, version_id):
    """Evaluate the decision for every region × group."""
    result = {}
    for region in regions:
        for group in groups:
            value = evaluate(session, "phase_in", {"region": region, "group": group},
                             version_id).get("phase_in_date")
            result[(region, group)] = _date(value)
    return result


def _date(value):
    """A date from the decision's output, or None when it gave none."""
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date_of(value)


_OUTPUTS: dict = {}  # (content hash, decision id, inputs) → outputs


def decide(session, decision_id, inputs: dict, version_id=None) -> dict:
    """Like `evaluate`, remembered per version content and inputs (pages ask again and again).

    Inputs must be plain hashable values (strings, numbers). NotFound when nothing is deployed
    or the version has no such decision.
    """
    version_id = _version_id(session, version_id)
    digest = version_digest(session, version_id)
    key = (digest, decision_id, tuple(sorted(inputs.items())))
    if key not in _OUTPUTS:
        _OUTPUTS[key] = evaluate(session, decision_id, inputs, version_id)
    return dict(_OUTPUTS[key])
