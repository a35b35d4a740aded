"""Live pathways: the SpiffWorkflow glue, loading and saving runs, the worklist projection, timers, drafts, decisions and the worker heartbeat."""
