"""Definitions' code: RestrictedPython policy, guards, helpers, and isolated worker processes."""
