"""Forløb's pathway engine: runs the BPMN pathway with SpiffWorkflow.

It imports neither Flask nor the web layer; callers hand it a SQLAlchemy session.
"""
