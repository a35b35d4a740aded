"""A pathway started in Ustabil before the intensity branches existed, migrated onto the current
version, runs its next Ustabil/Stabil cycle: the stages' `data_defaults` supply the keys it lacks."""
import re
from datetime import timedelta

import pytest

from engine import clock, service
from engine.models import Pathway
from tests.web import aging
from tests.web import pathway_setup as setup
from webui.common.timeutil import local_today
from webui.extensions import db

INPATIENT = ("indlagt_henvendelse", "selvmordsrisiko", "indlagt_diagnostik", "medicingennemgang",
             "indlagt_behandling")
NEW_KEYS = ("tier_kept", "overview_due", "overview_reason", "conference_last", "conference_weeks")
# the elements this issue added to Ustabil/Stabil (intensity decision, overview, conference)
ADDED = r"(?:intensity|overview\w*|msg_overview|end_overview|conf\w*|conference|end_conf)"


def _without_intensity(text, stage):
    """The stage's BPMN as it was before this issue: entry script straight to the split."""
    ids = set(re.findall(rf'id="({stage}_{ADDED})"', text))
    text = text.replace(f'sourceRef="{stage}_intensity"', f'sourceRef="{stage}_entry"')
    flows = set(re.findall(r'<bpmn:sequenceFlow id="(\w+)" sourceRef="(\w+)" targetRef="(\w+)"', text))
    gone = ids | {f for f, source, target in flows if source in ids or target in ids}
    for name in gone:
        text = re.sub(rf'\s*<bpmn:(\w+) id="{name}".*?</bpmn:\1>', "", text, flags=re.S)
        text = text.replace(f"<bpmn:flowNodeRef>{name}</bpmn:flowNodeRef>", "")
    text = re.sub(r"\ncomplexity_tier = complexity_tier if.*?(?=</bpmn:script>)", "", text, flags=re.S)
    lines = [line for line in text.split("\n")
             if not any(f'"{name}"' in line or f">{name}<" in line for name in gone)]
    return "\n".join(line for line in lines if "msg_overblik" not in line and "data_defaults" not in line)


def _old_version(current):
    files = {n: t.encode() for n, t in current.files.items()}
    for stage in ("ustabil", "stabil"):
        old = _without_intensity(files[f"{stage}.bpmn"].decode(), stage)
        assert "overview_due" not in old and "ustabil_intensity" not in old
        files[f"{stage}.bpmn"] = old.encode()
    henvisning = files["henvisning.bpmn"].decode()
    for key in NEW_KEYS:
        assert f"\n{key} = None" in henvisning
        henvisning = henvisning.replace(f"\n{key} = None", "", 1)
    files["henvisning.bpmn"] = henvisning.encode()
    opstart = files["opstart.bpmn"].decode()
    files["opstart.bpmn"] = re.sub(r"\noverview_due = [^\n<]*", "", opstart).encode()
    old = service.deploy_bundle(db.session, files, "ejer")
    db.session.commit()
    return old


def _discharge(pathway_id, to_stage):
    for form_id in INPATIENT:
        setup.complete(pathway_id, form_id)
    return setup.complete(pathway_id, "indlagt_udskrivelse",
                          {"return_stage": to_stage, "discharge_note": "Ambulant opfølgning",
                           "discharge_checklist": ["epikrise", "kommune"]})


@pytest.mark.parametrize("stage", ["ustabil", "stabil"])
def test_old_ustabil_pathway_migrated_runs_its_next_cycle(app, stage):
    with app.app_context():
        setup.ensure_deployed()
        current = service.latest_version(db.session)
        old = _old_version(current)
        pathway = aging.to_ustabil(cpr="0505904568")
        pathway_id, patient_id = pathway.id, pathway.patient_id
        assert (pathway.version_id, pathway.stage) == (old.id, "ustabil")
        before = service.pathway_data(db.session, pathway_id)
        assert not any(key in before for key in NEW_KEYS)
        # the Ustabil run itself cannot move (the intensity decision now sits between its entry
        # script and the split it is past): refused, nothing changed
        with pytest.raises(service.NotMigratable):
            service.migrate_pathway(db.session, pathway_id, current.id, "ejer")
        db.session.rollback()
        assert db.session.get(Pathway, pathway_id).version_id == old.id
        # admitted from Ustabil, the pathway migrates; back in Ustabil (or Stabil) its next cycle
        # runs the new entry script, which reads tier_kept, overview_due and conference_last
        service.deliver_message(db.session, "indlagt", patient_id,
                                {"admission_reason": "psykisk_forvaerring"}, "psyk.kbh")
        db.session.commit()
        service.migrate_pathway(db.session, pathway_id, current.id, "ejer")
        db.session.commit()
        back = _discharge(pathway_id, stage)
        assert (back.stage, back.status, back.version_id) == (stage, "active", current.id)
        data = service.pathway_data(db.session, pathway_id)
        # set from the stage's entry, as for a pathway started on this version
        assert str(data["overview_due"])[:10] > (local_today() + timedelta(days=300)).isoformat()
        assert str(data["conference_last"])[:10] == local_today().isoformat()
        assert data["tier_kept"] == data["complexity_tier"]
        # the cycle after that (an activity restarts the run), and the yearly timer opens the
        # overview consultation
        again = setup.complete(pathway_id, f"{stage}_aktivitet")
        assert (again.stage, again.status) == (stage, "active")
        service.tick(db.session, now=clock.utcnow() + timedelta(days=370))
        db.session.commit()
        assert any(i.form_id == "overblik" for i in setup.open_items(pathway_id))
