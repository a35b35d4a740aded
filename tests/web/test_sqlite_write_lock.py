"""On SQLite a referral evaluates its definition before its first write (issue 19).

SQLite has one write lock per database, taken at a transaction's first write and held to its
commit. A referral used to insert the patient and the pathway (and flush its audit rows) before
the entry stage's code ran, so a hostile definition burning 2 s held the lock that long and 14
of 24 other clicks failed with "database is locked". Now the code runs first: while it runs,
another connection can still take the write lock at once.
"""
import json
import sqlite3
from datetime import date

import pytest
from sqlalchemy import select

from engine import clock, service
from engine.models import Pathway, Patient, TaskRecord
from engine.runtime import pathways
from tests.web.pathway_setup import ensure_deployed
from webui.extensions import db

FORM = {"cpr": "020202-4234", "name": "Rita Henvist", "region": "hovedstaden",
        "municipality": "koebenhavn", "contacts": ["psykiatri", "kommune"],
        "referrer": "Egen læge", "received_at": clock.today().isoformat()}


@pytest.fixture
def sqlite_path(app):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite:///"):
        pytest.skip("SQLite's single write lock only")
    with app.app_context():
        ensure_deployed()
    return url.removeprefix("sqlite:///")


@pytest.fixture
def probe(sqlite_path, monkeypatch):
    """After the entry stage's code has run (and again before its `due` code), try to take
    SQLite's write lock from another connection without waiting; record whether it was free."""
    seen = []

    def free():
        other = sqlite3.connect(sqlite_path, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")  # the write lock, or "database is locked" at once
            other.rollback()
            seen.append(True)
        except sqlite3.OperationalError as exc:
            seen.append(str(exc))
        finally:
            other.close()

    settle, wanted = pathways.settle, pathways.projection.wanted_items

    def settled(*args, **kwargs):
        result = settle(*args, **kwargs)
        free()
        return result

    def due(live):
        free()
        return wanted(live)

    monkeypatch.setattr(pathways, "settle", settled)
    monkeypatch.setattr(pathways.projection, "wanted_items", due)
    return seen


def test_a_referral_runs_its_definition_before_writing_anything(app, client, auth, probe):
    auth.login("psyk.kbh")
    response = client.post("/henvisning", data=FORM)
    assert response.status_code == 302
    assert probe and all(free is True for free in probe), probe
    with app.app_context():  # and the rows written afterwards carry the real ids
        patient = db.session.scalars(select(Patient)).one()
        pathway = db.session.scalars(select(Pathway)).one()
        assert pathway.patient_id == patient.id and pathway.status == "active"
        state = json.loads(pathway.state)
        carried = [t["data"] for t in state["tasks"].values() if "pathway_id" in t["data"]]
        assert carried and all((d["pathway_id"], d["patient_id"]) == (pathway.id, patient.id)
                               for d in carried)
        records = db.session.scalars(select(TaskRecord)).all()
        assert records and {r.pathway_id for r in records} == {pathway.id}
        assert records[0].data["data"]["patient_id"] == patient.id


def test_an_acute_start_runs_its_definition_before_writing_anything(app, client, auth, probe):
    auth.login("psyk.kbh")
    response = client.post("/akut", data={**FORM, "admission_reason": "selvmordsrisiko",
                                          "referrer": "Akutmodtagelsen"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert probe and all(free is True for free in probe), probe
    with app.app_context():
        assert db.session.scalars(select(Pathway)).one().patient_id == \
            db.session.scalars(select(Patient)).one().id


def test_the_probe_sees_the_lock_when_a_row_is_written_first(app, probe):
    """The old order (patient written, then the definition runs) holds the lock: the probe
    says so, so the tests above test the order, not a probe that always answers "free"."""
    with app.app_context():
        patient = service.register_patient(db.session, "0202024234", "Rita Henvist", "K",
                                           date(2002, 2, 2), "hovedstaden", "koebenhavn")
        service.start_pathway(db.session, patient.id, {
            "patient_id": patient.id, "region": "hovedstaden", "municipality": "koebenhavn",
            "region_org": "region-hovedstaden", "municipality_org": "kommune-koebenhavn",
            "contacts": ["psykiatri"], "referrer": "Egen læge",
            "received_at": clock.today().isoformat(), "sex": "K"}, "psyk.kbh")
        db.session.rollback()
    assert probe and all("locked" in str(free) for free in probe), probe
