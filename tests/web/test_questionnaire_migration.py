"""A pathway started before the questionnaire branch existed, migrated onto the current version
while in Ustabil, runs its next cycle: the stage's `data_defaults` supply `questionnaire_at`."""
import re
from datetime import timedelta

from sqlalchemy import select

from engine import clock, service
from engine.models import WorklistItem
from tests.web import aging
from tests.web import pathway_setup as setup
from webui.common.timeutil import local_today
from webui.extensions import db


def _without_questionnaire(text, stage):
    """The stage's BPMN as it was before this issue: no patient lane, no questionnaire date."""
    text = re.sub(rf'\s*<bpmn:(\w+) id="{stage}_q_\w+".*?</bpmn:\1>', "", text, flags=re.S)
    markers = (f"{stage}_q_", f"Lane_{stage}_patient", "questionnaire", "data_defaults",
               *(f"Flow_{stage}_{n}" for n in (41, 42, 43, 44)))
    return "\n".join(line for line in text.split("\n") if not any(m in line for m in markers))


def _old_version(current):
    files = {n: t.encode() for n, t in current.files.items()}
    for stage in ("ustabil", "stabil"):
        files[f"{stage}.bpmn"] = _without_questionnaire(files[f"{stage}.bpmn"].decode(), stage).encode()
    henvisning = files["henvisning.bpmn"].decode()
    assert "\nquestionnaire_at = None" in henvisning
    files["henvisning.bpmn"] = henvisning.replace("\nquestionnaire_at = None", "", 1).encode()
    old = service.deploy_bundle(db.session, files, "ejer")
    db.session.commit()
    return old


def test_old_ustabil_pathway_migrated_runs_its_next_cycle(app):
    with app.app_context():
        setup.ensure_deployed()
        current = service.latest_version(db.session)
        old = _old_version(current)
        pathway = aging.to_ustabil(cpr="0404904567")
        assert (pathway.version_id, pathway.stage) == (old.id, "ustabil")
        assert "questionnaire_at" not in service.pathway_data(db.session, pathway.id)
        service.migrate_pathway(db.session, pathway.id, current.id, "ejer")
        db.session.commit()
        # the next cycle: registering an activity restarts the stage's run (continue-as-new)
        moved = setup.complete(pathway.id, "ustabil_aktivitet")
        assert (moved.stage, moved.status, moved.version_id) == ("ustabil", "active", current.id)
        data = service.pathway_data(db.session, pathway.id)
        # the date is set from the stage's entry, as for a pathway started on this version: at
        # the interval the tier's decision set in the previous run (Opstart placed it at "lav")
        assert data["questionnaire_days"] == data["questionnaire_weeks"] * 7 == 84
        assert str(data["questionnaire_at"])[:10] > local_today().isoformat()
        # and the questionnaire branch now works for it: the timer opens the patient's task
        service.tick(db.session, now=clock.utcnow() + timedelta(days=85))
        db.session.commit()
        tasks = db.session.scalars(select(WorklistItem.task_spec).where(
            WorklistItem.pathway_id == pathway.id, WorklistItem.role == "patient"))
        assert list(tasks) == ["ustabil_q_answer"]
