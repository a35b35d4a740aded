"""A pathway row read early in a request (access check) is read again whole by the engine.

Found by the load test: with 200 users, a submit whose view had already read the pathway
row got the state written by a colleague's commit in between but kept the older stage and
lock, and failed with a 500 instead of the conflict page.
"""
import pytest
from sqlalchemy.orm import Session

from engine import service
from engine.errors import Conflict
from engine.models import Pathway
from tests.integration.engine_helpers import only_task, start
from webui.extensions import db

ANSWER = {"accepted": False, "severity": 1}


def test_a_click_on_a_row_changed_since_it_was_read_is_a_conflict(app):
    with app.app_context():
        pathway = start(db.session)
        pathway_id, task_id = pathway.id, only_task(db.session, pathway.id).task_id
        lock = pathway.lock_version
        db.session.commit()
        with Session(db.engine) as reader, Session(db.engine) as writer:
            seen = reader.get(Pathway, pathway_id)  # the view's access check (state deferred)
            assert seen.lock_version == lock
            service.complete_task(writer, pathway_id, task_id, ANSWER, "a", expected_lock=lock)
            writer.commit()  # a colleague completes it meanwhile
            with pytest.raises(Conflict):
                service.complete_task(reader, pathway_id, task_id, ANSWER, "b",
                                      expected_lock=lock)
