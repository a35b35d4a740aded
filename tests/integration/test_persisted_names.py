"""Nothing stored in the database names a Python module, so moving modules never breaks old data."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import inspect, select, text

from engine import service
from tests.integration.engine_helpers import T0, complete, start, to_ustabil
from webui.extensions import db

# a dotted path into one of our packages, as a serializer or pickle would store it
MODULE_PATH = re.compile(r"\b(?:engine|webui|forms|scenarios)\.[a-z_]+\b")


@pytest.fixture
def session(app):
    with app.app_context():
        yield db.session
        db.session.rollback()


def test_no_row_names_a_module_path(session):
    pathway = start(session)
    to_ustabil(session, pathway.id)
    complete(session, pathway.id, "ustabil_aktivitet", {"stable": True})
    service.save_draft(session, pathway.id, service.ready_tasks(session, pathway.id)[0].task_id,
                       {"note": "kladde"}, "bob")
    service.tick(session, now=T0 + timedelta(days=70))
    session.commit()
    found = []
    for table in inspect(session.get_bind()).get_table_names():
        for row in session.execute(text(f'SELECT * FROM "{table}"')):
            for value in row:
                if isinstance(value, (str, bytes, dict, list)):
                    for hit in MODULE_PATH.findall(str(value)):
                        found.append((table, hit))
    assert not found, found
    assert session.scalar(select(db.func.count()).select_from(db.Model.metadata.tables["pathway_run"]))
