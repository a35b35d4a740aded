"""Seeding and checking for the timer fault tests: pathways with a due timer, fired once each."""
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from engine import service
from engine.models import Pathway, TaskRecord
from tests.load.seed import _cpr
from webui.demo.organisations import municipality_org, region_org
from webui.demo.seed import seed_all
from webui.extensions import db
from webui.pathways import cpr as cpr_rules


def seed_due(app, count, offset=5000) -> datetime:
    """`count` referrals received 30 days ago: the guarantee warning is due. Returns 'now'."""
    then = datetime.now(UTC) - timedelta(days=30)
    with app.app_context():
        seed_all(patients=False)
        for index in range(offset, offset + count):
            cpr = _cpr(index)
            patient = service.register_patient(
                db.session, cpr, f"Timer Patient {index}", cpr_rules.sex(cpr),
                cpr_rules.birth_date(cpr), "hovedstaden", "koebenhavn")
            service.start_pathway(db.session, patient.id, {
                "patient_id": patient.id, "region": "hovedstaden", "municipality": "koebenhavn",
                "region_org": region_org("hovedstaden"),
                "municipality_org": municipality_org("koebenhavn"), "contacts": ["psykiatri"],
                "referrer": "Egen læge", "received_at": then.date().isoformat(),
                "sex": cpr_rules.sex(cpr)}, "psyk.kbh", now=then)
            db.session.commit()
        db.session.remove()
    return datetime.now(UTC)


def due_count(app, now) -> int:
    """Active pathways with a timer due at `now`."""
    with app.app_context():
        value = db.session.scalar(select(func.count()).where(
            Pathway.status == "active", Pathway.next_due_at <= now))
        db.session.remove()
    return value


def check_fired_once(app, since, due_at_start) -> dict:
    """No timer fired twice, none still due, none parked, every due pathway fired."""
    with app.app_context():
        rows = db.session.execute(
            select(TaskRecord.pathway_id, TaskRecord.run_no, TaskRecord.task_spec, func.count())
            .where(TaskRecord.kind == "timer")
            .group_by(TaskRecord.pathway_id, TaskRecord.run_no, TaskRecord.task_spec)).all()
        still_due = db.session.scalar(select(func.count()).where(
            Pathway.status == "active", Pathway.next_due_at <= since))
        parked = db.session.scalar(select(func.count()).where(Pathway.last_error.is_not(None)))
        db.session.remove()
    doubles = [list(r[:3]) for r in rows if r[3] > 1]
    fired_pathways = len({r[0] for r in rows})
    report = {"due_at_start": due_at_start, "timers_fired": sum(r[3] for r in rows),
              "pathways_fired": fired_pathways, "fired_twice": doubles, "still_due": still_due,
              "parked": parked}
    report["ok"] = (not doubles and still_due == 0 and parked == 0
                    and fired_pathways == due_at_start)
    return report
