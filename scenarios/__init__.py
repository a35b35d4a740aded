"""Scenarios: synthetic patients' journeys, written as data in bpmn/scenarios/*.json, run
against a candidate definition version on a throw-away database before it may go live."""
