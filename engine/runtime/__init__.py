"""Live pathways: SpiffWorkflow glue, runs, worklist projection, timers, drafts, decisions, heartbeat."""
