"""Engine tables: definitions, pathways, task history and the worklist projection."""
from engine.db import Base  # noqa: F401
