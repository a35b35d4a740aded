"""Pathway markers (forløbsmarkører): measurement points stored once with a configurable code,
exported as CSV (admin page, `flask markers export`) and as FHIR Observations (docs/interop.md)."""
