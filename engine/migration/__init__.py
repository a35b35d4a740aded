"""Moving running pathways to another version: spec changes, per-run migration, dry runs and background jobs."""
