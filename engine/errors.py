"""Named exceptions raised by the engine, each with a clear message."""
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:  # annotations only: sandbox workers import this module and need no database layer
    from engine.models import DefinitionVersion

# Callables told the kind ("conflict", "sandbox_violation") of each such error as it is made;
# the web layer's metrics subscribe here, so the engine itself needs no metrics library.
OBSERVERS: list[Callable[[str], object]] = []


def _observe(kind: str) -> None:
    for observer in OBSERVERS:
        observer(kind)


class Message(str):
    """A Danish engine message that the web layer can translate: its template and its values.

    It is plain text everywhere (logs, CLI, tests); webui.i18n.localise looks the template up in
    the translation catalogue (Danish msgid, English translation) and fills in the values.
    """

    template: str
    values: dict[str, object]

    def __new__(cls, template: str, **values: object) -> "Message":
        # a tuple value is a list of parts (each maybe a Message), shown joined by "; "
        shown = {k: "; ".join(map(str, v)) if isinstance(v, tuple) else v for k, v in values.items()}
        text = template % shown if values else template
        self = super().__new__(cls, text)
        self.template, self.values = template, values
        return self

    def __getnewargs__(self) -> tuple[str]:
        return (str(self),)  # unpickled copies keep template and values via __dict__


class EngineError(Exception):
    """Base class of every engine error."""


class InvalidDefinition(EngineError):
    """A BPMN/DMN bundle failed parsing or validation; `.problems` lists why."""

    def __init__(self, problems: Iterable[Iterable[str | int | None]]) -> None:
        self.problems = [tuple(p) for p in problems]
        lines = [f"{f or '?'}:{line or '?'} [{element or '-'}] {msg}"
                 for f, element, line, msg in self.problems]
        super().__init__("Invalid definition:\n  " + "\n  ".join(lines))


class TaskNotReady(EngineError):
    """The task is not a ready user task of the pathway (done, cancelled or unknown)."""


class TaskClosed(TaskNotReady):
    """The task closed (completed, or cancelled as the pathway moved on) before the draft was
    saved; nothing was stored, and the caller still holds the text it tried to save."""


class Conflict(EngineError):
    """Someone else changed the pathway first; reload and try again."""

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        _observe("conflict")


class SandboxViolation(EngineError):
    """An expression or script broke a limit or tried something the sandbox forbids.

    `.element` names the BPMN/DMN element, `.limit` the kind of limit ("time", "memory",
    "cpu", "steps", "size", "policy", "exception", "error"); `.pathway_id`, `.patient_id` and
    `.version_id` are filled in by the facade so the edge can log and audit the failure."""

    pathway_id: int | None
    patient_id: int | None
    version_id: int | None

    def __init__(self, message: str, element: str | None = None, limit: str = "policy") -> None:
        self.element = element
        self.reason = message
        self.limit = limit
        self.pathway_id = self.patient_id = self.version_id = None
        if element is None:  # .at() re-labels an already counted violation with its element
            _observe("sandbox_violation")
        where = f" in element '{element}'" if element else ""
        super().__init__(f"Sandbox violation{where}: {message}")

    def at(self, element: str) -> Self:
        """Return a copy of this violation that names the element."""
        if self.element:
            return self
        return type(self)(self.reason, element, self.limit)


class ScriptError(SandboxViolation):
    """A script or expression raised an ordinary error (e.g. a name missing from the data)."""

    def __init__(self, message: str, element: str | None = None, limit: str = "error") -> None:
        super().__init__(message, element, limit)


class NoRecipient(EngineError):
    """A message was sent that no active pathway of the patient waits for."""


class InvalidInput(EngineError):
    """Input to the facade is malformed (for example a CPR number that is not 10 digits)."""


class PathwayAlreadyActive(EngineError):
    """The patient already has an active pathway."""


class NotFound(EngineError):
    """A pathway, patient, version or worklist item does not exist."""


class StaleBase(EngineError):
    """A proposal's base version is no longer the newest: `.newer` versions changed the same files."""

    def __init__(self, message: str, newer: list["DefinitionVersion"], changed_files: list[str]) -> None:
        self.newer = newer
        self.changed_files = changed_files
        super().__init__(message)


class MergeConflict(EngineError):
    """An owner's changes cannot be laid onto a newer version: both changed the same lines.

    `.conflicts` lists (file, line in the old base or None for a whole file, our text, theirs)."""

    def __init__(self, message: str, conflicts: list[tuple[str, int | None, str, str]]) -> None:
        self.conflicts = conflicts
        super().__init__(message)


class ScenarioFailed(EngineError):
    """A candidate version failed one or more scenarios; `.results` says which and at which step."""

    def __init__(self, results: list[dict[str, Any]]) -> None:
        self.results = results
        failed = [r for r in results if not r.get("ok")]
        super().__init__("scenario(s) failed: " + "; ".join(
            f"{r['id']} step {r.get('step')}: {r.get('message')}" for r in failed))


class ReviewRefused(EngineError):
    """A review action is not allowed: self-approval, or a version in the wrong status."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


class NotApproved(ReviewRefused):
    """A version whose content no second process owner approved was about to become current or
    receive pathways (`.version_id`, `.purpose`): refused by engine/definitions/review.py."""

    def __init__(self, version_id: int | None, purpose: str, message: str) -> None:
        self.version_id = version_id
        self.purpose = purpose
        super().__init__("not_approved", message)


class RunTooLarge(EngineError):
    """A run's serialized state outgrew the hard cap (engine/runtime/pathways.MAX_STATE_BYTES)."""
