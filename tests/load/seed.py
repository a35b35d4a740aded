"""Seed a load-test database: demo organisations and logins, and pathways with open tasks."""

from sqlalchemy import select

from engine import clock, service
from engine.models import WorklistItem
from forms.validation import validate
from tests.load.clinic import OVERRIDES
from webui.demo.filler import answers
from webui.demo.organisations import municipality_org, region_org
from webui.demo.seed import seed_all
from webui.extensions import db
from webui.pathways import cpr as cpr_rules


def _cpr(index: int) -> str:
    """A distinct CPR-shaped number per index (born 1950–1999)."""
    day, month, year = 1 + index % 28, 1 + (index // 28) % 12, 50 + (index // 336) % 50
    return f"{day:02d}{month:02d}{year:02d}{1000 + index % 3000:04d}"


def _complete(session, pathway_id, form_id, actor):
    """Complete the pathway's open task that uses form_id (as the demo does)."""
    item = session.scalar(select(WorklistItem).where(
        WorklistItem.pathway_id == pathway_id, WorklistItem.form_id == form_id,
        WorklistItem.kind == "task").limit(1))
    data = validate(form_id, answers(form_id, OVERRIDES.get(form_id)))
    return service.complete_task(session, pathway_id, item.task_id, data, actor)


def seed(app, pathways: int = 400) -> list[int]:
    """Seed logins and `pathways` referrals (half of them enrolled, so in Opstart); return ids."""
    ids = []
    with app.app_context():
        seed_all(patients=False)
        if service.latest_version(db.session) is None:
            service.deploy_directory(db.session, app.config["BPMN_DIR"], "system")
        for index in range(pathways):
            cpr = _cpr(index)
            patient = service.register_patient(
                db.session, cpr, f"Seed Patient {index}", cpr_rules.sex(cpr),
                cpr_rules.birth_date(cpr), "hovedstaden", "koebenhavn")
            data = {"patient_id": patient.id, "region": "hovedstaden", "municipality": "koebenhavn",
                    "region_org": region_org("hovedstaden"),
                    "municipality_org": municipality_org("koebenhavn"),
                    "contacts": ["psykiatri", "kommune"], "referrer": "Egen læge",
                    "received_at": clock.today().isoformat(), "sex": cpr_rules.sex(cpr)}
            pathway = service.start_pathway(db.session, patient.id, data, "psyk.kbh")
            if index % 2:
                _complete(db.session, pathway.id, "visitation", "psyk.kbh")
                _complete(db.session, pathway.id, "indskrivning", "psyk.kbh")
            db.session.commit()
            ids.append(pathway.id)
        db.session.remove()
    return ids
