"""Named exceptions raised by the engine, each with a clear message."""

# Callables told the kind ("conflict", "sandbox_violation") of each such error as it is made;
# the web layer's metrics subscribe here, so the engine itself needs no metrics library.
OBSERVERS = []


def _observe(kind):
    for observer in OBSERVERS:
        observer(kind)


class EngineError(Exception):
    """Base class of every engine error."""


class InvalidDefinition(EngineError):
    """A BPMN/DMN bundle failed parsing or validation; `.problems` lists why."""

    def __init__(self, problems):
        self.problems = [tuple(p) for p in problems]
        lines = [f"{f or '?'}:{line or '?'} [{element or '-'}] {msg}"
                 for f, element, line, msg in self.problems]
        super().__init__("Invalid definition:\n  " + "\n  ".join(lines))


class TaskNotReady(EngineError):
    """The task is not a ready user task of the pathway (done, cancelled or unknown)."""


class Conflict(EngineError):
    """Someone else changed the pathway first; reload and try again."""

    def __init__(self, *args):
        super().__init__(*args)
        _observe("conflict")


class SandboxViolation(EngineError):
    """An expression or script tried something the sandbox forbids."""

    def __init__(self, message, element=None):
        self.element = element
        self.reason = message
        if element is None:  # .at() re-labels an already counted violation with its element
            _observe("sandbox_violation")
        where = f" in element '{element}'" if element else ""
        super().__init__(f"Sandbox violation{where}: {message}")

    def at(self, element):
        """Return a copy of this violation that names the element."""
        if self.element:
            return self
        return SandboxViolation(self.reason, element)


class NoRecipient(EngineError):
    """A message was sent that no active pathway of the patient waits for."""


class PathwayAlreadyActive(EngineError):
    """The patient already has an active pathway."""


class NotFound(EngineError):
    """A pathway, patient, version or worklist item does not exist."""
