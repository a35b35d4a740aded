"""After a migration, waiting patients' phase-in dates follow the version they are on (issue 22)."""
from datetime import date

from sqlalchemy import select

from engine import modeling, service
from engine.models import Pathway, TaskRecord
from tests.web import pathway_setup as setup
from webui.extensions import db
from webui.pathways.admission import phase_in

# the case: Region Hovedstaden, gruppe 3: 1. apr. 2027 → 4. jan. 2027 (timers run on wall
# time, so the dates lie in the future; the engine's clock is not frozen here)
RULE_3 = '<outputEntry id="rule_3_date"><text>"2026-07-01"</text></outputEntry>'


def _waiting(app):
    """A group 3 referral of hovedstaden today, waiting for phase-in on 1 April 2027."""
    with app.app_context():
        setup.ensure_deployed()
        _phase_in("2027-04-01")
        pathway = setup.refer(contacts=("kommune",))
        setup.complete(pathway.id, "visitation", {"visitation_decision": "inkluderet"})
        return pathway.id


def _phase_in(new_date, rule="rule_3"):
    """A new current version with `rule` (hovedstaden's group 3) dated `new_date` (approved)."""
    current = modeling.current_version(db.session)
    files = dict(current.files)
    old = next(line for line in files["phase_in.dmn"].splitlines() if f'id="{rule}_date"' in line).strip()
    files["phase_in.dmn"] = files["phase_in.dmn"].replace(
        old, f'<outputEntry id="{rule}_date"><text>"{new_date}"</text></outputEntry>')
    version = modeling.deploy_bundle(db.session, files, "ejer", note="indfasning flyttet")
    db.session.commit()
    return version


def test_a_waiting_patient_gets_the_new_versions_phase_in_date(app, demo_users):
    pathway_id = _waiting(app)
    with app.app_context():
        pathway = db.session.get(Pathway, pathway_id)
        assert pathway.waiting_until == date(2027, 4, 1)
        target = _phase_in("2027-01-04")
        [verdict] = modeling.dry_run(db.session, target.id)
        assert verdict.migratable and verdict.plan["redecided"] == ["Venter på indfasning"]
        service.migrate_pathway(db.session, pathway_id, target.id, "ejer")
        db.session.commit()
        db.session.expire_all()
        pathway = db.session.get(Pathway, pathway_id)
        assert pathway.version_id == target.id
        assert phase_in(db.session, pathway)["date"] == date(2027, 1, 4)
        assert pathway.waiting_until == date(2027, 1, 4)
        assert pathway.next_due_at.date() == date(2027, 1, 4)  # the wait's timer restarted
        record = db.session.scalars(select(TaskRecord).where(
            TaskRecord.pathway_id == pathway_id, TaskRecord.kind == "migration")).one()
        assert record.data["redecided"] == [{"timer": "Venter på indfasning", "name": "phase_in_date",
                                            "old": "2027-04-01", "new": "2027-01-04"}]


def test_an_unchanged_table_leaves_the_wait_alone(app, demo_users):
    pathway_id = _waiting(app)
    with app.app_context():
        before = db.session.get(Pathway, pathway_id).next_due_at
        target = _phase_in("2027-05-01", rule="rule_6")  # another region's row changed
        service.migrate_pathway(db.session, pathway_id, target.id, "ejer")
        db.session.commit()
        db.session.expire_all()
        pathway = db.session.get(Pathway, pathway_id)
        assert (pathway.waiting_until, pathway.next_due_at) == (date(2027, 4, 1), before)


def test_the_migration_page_says_waiting_dates_follow_the_target(app, client, auth):
    _waiting(app)
    with app.app_context():
        target = _phase_in("2027-01-04").id
    auth.login("ejer")
    page = client.get(f"/modeler/migrations?to={target}").get_data(as_text=True)
    row = page.split('id="dry-run"')[1]
    assert "Venter på indfasning: ventende patienter får datoen fra målversionens beslutningstabel" in row
