"""Task states used outside runtime (kept here so callers need not import SpiffWorkflow)."""
from SpiffWorkflow.util.task import TaskState

WAITING = TaskState.WAITING
READY = TaskState.READY
