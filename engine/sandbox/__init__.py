"""Runs definitions' code: RestrictedPython policy, guards, helpers, and the isolated worker processes that evaluate it under OS limits and deadlines."""
