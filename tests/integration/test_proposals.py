"""engine.definitions.proposals: the review states, file-by-file merges and refusals (no scenarios here:
those gate proposals in tests/web/test_modeler.py and tests/integration/test_scenarios.py)."""
import threading

import pytest
from sqlalchemy.orm import Session

from engine import service
from engine.definitions import proposals
from engine.definitions.proposals import approve, propose, reject, rollback
from engine.errors import InvalidDefinition, ReviewRefused, StaleBase
from engine.models import DefinitionEvent, DefinitionVersion
from tests.integration.pathway_driver import BPMN_DIR
from webui.extensions import db


@pytest.fixture
def session(app):
    with app.app_context():
        yield db.session


@pytest.fixture
def base(session):
    version = service.deploy_directory(session, str(BPMN_DIR), "system")
    session.commit()
    return version


def edit(files, name, old, new):
    text = files[name].replace(old, new, 1)
    assert text != files[name]
    return {name: text}


STABIL = ("stabil.bpmn", 'name="Fasevurdering"', 'name="Vurdering af fasen"')
AUDIT = ("forms/audit.json", '"title": "', '"title": "Ny: ')


def test_disjoint_proposals_from_one_base_merge_file_by_file_on_approval(session, base):
    first, _ = propose(session, base.id, edit(base.files, *STABIL), "ejer")
    second, _ = propose(session, base.id, edit(base.files, *AUDIT), "ejer")
    assert (first.status, second.status) == ("proposed", "proposed")
    approve(session, first.id, "ejer2")
    merged = approve(session, second.id, "ejer2")
    assert merged.id not in (first.id, second.id) and merged.status == "current"
    assert merged.base_version_id == first.id and merged.approved_by == "ejer2"
    assert merged.files["stabil.bpmn"] == first.files["stabil.bpmn"]
    assert merged.files["forms/audit.json"] == second.files["forms/audit.json"]
    assert second.status == "superseded"
    assert session.scalar(DefinitionEvent.__table__.select().where(
        DefinitionEvent.version_id == second.id, DefinitionEvent.action == "merged")) is not None


def test_overlapping_proposals_are_stale_at_proposal_and_at_approval(session, base):
    first, _ = propose(session, base.id, edit(base.files, *STABIL), "ejer")
    with pytest.raises(StaleBase) as caught:
        propose(session, base.id, edit(base.files, "stabil.bpmn", 'name="Fasevurdering"',
                                       'name="Anden vurdering"'), "ejer2")
    assert caught.value.newer == [first] and caught.value.changed_files == ["stabil.bpmn"]
    # a newer proposal on other files does not block; the approval of an overlapping one does
    other = service.deploy_bundle(session, {**base.files, **edit(base.files, "stabil.bpmn",
                                  'name="Fasevurdering"', 'name="Tredje"')}, "system")
    assert other.status == "current"
    with pytest.raises(StaleBase):
        approve(session, first.id, "ejer2")
    assert first.status == "proposed"


def test_review_refusals(session, base):
    proposed, _ = propose(session, base.id, edit(base.files, *STABIL), "ejer")
    with pytest.raises(ReviewRefused) as own:
        approve(session, proposed.id, "ejer")
    assert own.value.code == "self_approval"
    with pytest.raises(ReviewRefused) as early:
        rollback(session, proposed.id, "ejer2")
    assert early.value.code == "not_approved"
    reject(session, proposed.id, "ejer2", "nej tak")
    with pytest.raises(ReviewRefused):
        approve(session, proposed.id, "ejer2")
    with pytest.raises(ReviewRefused) as again:
        rollback(session, base.id, "ejer2")
    assert again.value.code == "already_current"
    with pytest.raises(InvalidDefinition):
        propose(session, base.id, {"../evil.bpmn": "<x/>"}, "ejer")


def test_four_eyes_off_and_existing_content(session, base):
    version, existed = propose(session, base.id, edit(base.files, *STABIL), "ejer",
                               four_eyes=False)
    assert not existed and version.status == "current" and version.approved_by == "ejer"
    same, existed = propose(session, version.id, {"stabil.bpmn": version.files["stabil.bpmn"]},
                            "ejer")
    assert existed and same.id == version.id
    back, previous = rollback(session, base.id, "ejer2")
    assert back.status == "current" and previous.id == version.id
    assert service.current_version(session).id == base.id
    assert session.query(DefinitionVersion).filter_by(status="current").count() == 1


def test_two_approvals_at_once_leave_exactly_one_current_version(app, monkeypatch):
    """PostgreSQL: two reviewers approve two proposals of one base at the same instant."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("parallel reviewers need PostgreSQL (FORLOB_TEST_DB=postgres)")
        base = service.deploy_directory(db.session, str(BPMN_DIR), "system")
        one, _ = propose(db.session, base.id, edit(base.files, *STABIL), "ejer")
        two, _ = propose(db.session, base.id, edit(base.files, *AUDIT), "ejer")
        ids = (one.id, two.id)
        db.session.commit()
        barrier = threading.Barrier(2, timeout=5)
        real_lock = proposals.lock_versions

        def lock_together(session):
            try:
                barrier.wait()  # both reviewers reach the lock at the same instant
            except threading.BrokenBarrierError:
                pass  # later calls: the other reviewer is (rightly) waiting on the lock
            return real_lock(session)
        monkeypatch.setattr(proposals, "lock_versions", lock_together)
        results, bind = [None, None], db.engine

        def review(i):
            try:
                with Session(bind) as session:
                    results[i] = approve(session, ids[i], "ejer2").id
                    session.commit()
            except Exception as exc:  # asserted on below
                results[i] = exc
        threads = [threading.Thread(target=review, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        db.session.expire_all()
        current = db.session.scalars(db.select(DefinitionVersion).where(
            DefinitionVersion.status == "current")).all()
        assert len(current) == 1, (results, [v.id for v in current])
        assert all(isinstance(r, int) for r in results), results
        assert current[0].files["stabil.bpmn"] != base.files["stabil.bpmn"]
        assert current[0].files["forms/audit.json"] != base.files["forms/audit.json"]
