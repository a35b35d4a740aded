"""Helpers for the four-eyes tests: the small loop bundle proposed, approved and merged."""
import pytest

from engine import service
from engine.definitions import versions
from tests.fixtures.engine import LOOP_FORMS, START_DATA, loop_files
from tests.integration.engine_helpers import T0, new_patient

# Label-only edits in two different files: proposals from one base merge file by file, and
# every version differs from another in texts only (always migratable, auto-migration-safe).
EDITS = {"entry.bpmn": ('name="Visitation"', 'name="Visitation {n}"'),
         "loop.bpmn": ('name="Opfølgning"', 'name="Opfølgning {n}"')}


@pytest.fixture
def loop_forms(monkeypatch):
    """Proposals validate against the loop bundle's forms (not forms/definitions/)."""
    monkeypatch.setattr(versions, "known_form_ids", lambda *a, **k: set(LOOP_FORMS))


def base_files():
    """The loop bundle as {name: text}."""
    return {n: d.decode("utf-8") for n, d in loop_files().items()}


def edit(files, name, n):
    """A change of one file's label: {name: new text} on top of `files`."""
    old, new = EDITS[name]
    text = files[name]
    start = text.find(old[:-1])  # the label may carry an earlier edit's number
    end = text.index('"', start + len(old) - 1)
    return {name: text[:start] + new.format(n=n)[:-1] + text[end:]}


def deploy_base(session):
    """The reviewed loop bundle, deployed current (as start-up or the CLI would)."""
    version = service.deploy_bundle(session, loop_files(), "system", known_forms=LOOP_FORMS)
    session.commit()
    return version


def start(session, n):
    """A pathway for patient n on the current version."""
    patient = new_patient(session, n)
    pathway = service.start_pathway(session, patient.id, dict(START_DATA), "alice", now=T0)
    session.commit()
    return pathway
