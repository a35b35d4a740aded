"""The engine tells observers (the web layer's metrics) about conflicts and sandbox violations."""
import pytest

from engine import errors


@pytest.fixture
def seen():
    kinds = []
    errors.OBSERVERS.append(kinds.append)
    yield kinds
    errors.OBSERVERS.remove(kinds.append)


def test_conflicts_and_violations_are_counted_once(seen):
    errors.Conflict("pathway 1 was changed")
    violation = errors.SandboxViolation("import is not allowed")
    relabelled = violation.at("Task_1")  # the same violation, now naming its element
    assert relabelled.element == "Task_1"
    assert seen == ["conflict", "sandbox_violation"]


def test_other_errors_are_not_counted(seen):
    errors.NotFound("pathway 9")
    errors.TaskNotReady("done")
    assert seen == []
