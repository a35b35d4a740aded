"""After a migration, waiting patients' phase-in dates follow the version they are on (issue 22)."""
from datetime import date

from sqlalchemy import select

from engine import modeling, service
from engine.clock import LOCAL_TZ
from engine.models import Pathway, TaskRecord
from engine.runtime import pathways, spiff
from tests.web import pathway_setup as setup
from webui.extensions import db
from webui.pathways.admission import phase_in

# the case: Region Hovedstaden, gruppe 3: 1. apr. 2027 → 4. jan. 2027 (timers run on wall
# time, so the dates lie in the future; the engine's clock is not frozen here)
RULE_3 = '<outputEntry id="rule_3_date"><text>"2026-07-01"</text></outputEntry>'


def localdate(due):
    """The Danish day of a timer's due time."""
    return due.astimezone(LOCAL_TZ).date() if hasattr(due, "astimezone") else due


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
        [redecided] = record.data["redecided"]
        assert {k: v for k, v in redecided.items() if k != "follows"} == {
            "timer": "Venter på indfasning", "name": "phase_in_date", "old": "2027-04-01", "new": "2027-01-04"}


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


def test_the_guarantee_deadline_follows_the_moved_phase_in_date(app, client, auth):
    """The deadline is 14 days after the later of receipt and phase-in date (docs/pathway.md):
    the migration moves it, the stored guarantee fact, and the guarantee's warning timer with the
    date; the dry run, the migration page and the pathway's history say so."""
    pathway_id = _waiting(app)
    with app.app_context():
        pathway = db.session.get(Pathway, pathway_id)
        assert (pathway.guarantee_due, pathway.guarantee_status) == (date(2027, 4, 15), "open")
        target = _phase_in("2027-01-04").id
        [verdict] = modeling.dry_run(db.session, target)
        assert verdict.plan["followed"] == ["Beregn behandlingsgaranti"]
    auth.login("ejer")
    page = client.get(f"/modeler/migrations?to={target}").get_data(as_text=True)
    assert "Beregn behandlingsgaranti regnes igen fra den nye dato" in page.split('id="dry-run"')[1]
    with app.app_context():
        service.migrate_pathway(db.session, pathway_id, target, "ejer")
        db.session.commit()
        db.session.expire_all()
        pathway = db.session.get(Pathway, pathway_id)
        assert (pathway.guarantee_due, pathway.guarantee_status) == (date(2027, 1, 18), "open")
        assert service.pathway_data(db.session, pathway_id)["guarantee_due"] == "2027-01-18"
        live = pathways.load(db.session, pathway_id)
        timers = sorted(localdate(due) for _task, kind, _name, due in spiff.waiting_events(live.workflow)
                        if kind == "timer")
        # the wait, and the guarantee's warning 3 days before the deadline (its breach timer
        # follows the warning, from the same data)
        assert timers == [date(2027, 1, 4), date(2027, 1, 15)]
        record = db.session.scalars(select(TaskRecord).where(
            TaskRecord.pathway_id == pathway_id, TaskRecord.kind == "migration")).one()
        follows = {f["name"]: (f["old"], f["new"]) for f in record.data["redecided"][0]["follows"]}
        assert follows["guarantee_due"] == ("2027-04-15", "2027-01-18")
        record_id = record.id
    auth.login("psyk.kbh")  # a clinician of the patient's region
    history = client.get(f"/forloeb/{pathway_id}/historik/{record_id}").get_data(as_text=True)
    assert "behandlingsgarantiens frist 15. apr. 2027 → 18. jan. 2027" in history
