"""A small hand-made data set for the dashboards, with every figure computed by hand.

Five pathways (A–E) written straight into the tables the dashboards read (pathway,
pathway_run, task_record, worklist_item); all times are midnight Danish time so durations are
whole Danish days. The guarantee fact is judged by the engine's own rule from the first
treatment contact (``treated``). "Today" is 2025-06-30. The expected figures are in tests/web/test_dashboard_figures.py.
"""
from datetime import UTC, date, datetime, time

from engine import service
from engine.clock import LOCAL_TZ
from engine.models import DefinitionVersion, Pathway, PathwayRun, Patient, TaskRecord, WorklistItem
from engine.runtime.projection import judge_guarantee
from tests.web.pathway_setup import ensure_deployed
from webui.extensions import db

TODAY = date(2025, 6, 30)


def at(text):
    """Midnight Danish time of an ISO date, in UTC."""
    return datetime.combine(date.fromisoformat(text), time(0), LOCAL_TZ).astimezone(UTC)


# name → pathway columns; runs are (stage, start, end, next stage)
PATHWAYS = {
    "A": dict(group_no=1, region_org="region-hovedstaden", municipality_org="kommune-koebenhavn",
              started="2025-01-01", guarantee_due="2025-01-15", treated="2025-01-12", tovholder="tove", status="active",
              stage="ustabil", run_started="2025-04-10",
              runs=[("henvisning", "2025-01-01", "2025-01-10", "opstart"),
                    ("opstart", "2025-01-10", "2025-02-09", "ustabil"),
                    ("ustabil", "2025-02-09", "2025-03-11", "stabil"),
                    ("stabil", "2025-03-11", "2025-04-10", "ustabil")]),
    "B": dict(group_no=2, region_org="region-hovedstaden", municipality_org="kommune-frederiksberg",
              started="2025-02-01", guarantee_due="2025-02-15", treated="2025-02-22", tovholder=None, status="active",
              stage="ustabil", run_started="2025-04-01",
              runs=[("henvisning", "2025-02-01", "2025-02-20", "opstart"),
                    ("opstart", "2025-02-20", "2025-03-02", "indlagt"),
                    ("indlagt", "2025-03-02", "2025-03-12", "opstart"),
                    ("opstart", "2025-03-12", "2025-03-20", "indlagt"),
                    ("indlagt", "2025-03-20", "2025-04-01", "ustabil")]),
    "C": dict(group_no=1, region_org="region-sjaelland", municipality_org="kommune-roskilde",
              started="2025-03-01", guarantee_due="2025-03-15", tovholder=None, status="active",
              stage="henvisning", run_started="2025-03-01", runs=[]),
    "D": dict(group_no=3, region_org="region-hovedstaden", municipality_org="kommune-koebenhavn",
              started="2025-05-01", guarantee_due="2026-07-15", waiting_until="2026-07-01",
              tovholder=None, status="active", stage="henvisning", run_started="2025-05-01",
              runs=[]),
    "E": dict(group_no=1, region_org="region-hovedstaden", municipality_org="kommune-koebenhavn",
              started="2024-11-01", guarantee_due="2024-11-15", tovholder=None, status="ended",
              stage="henvisning", run_started="2024-11-01", ended="2024-11-05",
              end_reason="Afvist ved visitation",
              runs=[("henvisning", "2024-11-01", "2024-11-05", None)]),
}

# (pathway, form, stage, date, data)
RECORDS = [
    ("A", "audit", "opstart", "2025-01-12", {}), ("A", "dudit", "opstart", "2025-01-13", {}),
    ("A", "koordineret_plan", "opstart", "2025-01-20", {}),
    ("B", "audit", "opstart", "2025-02-22", {}),
    ("B", "koordineret_plan", "ustabil", "2025-04-15", {}),
    ("A", "patient_oplevelse", "overgang", "2025-04-20",
     {"pe_involved": "4", "pe_coordinated": "3", "pe_understood": "5", "pe_overall": "5"}),
    ("B", "patient_oplevelse", "overgang", "2025-05-05",
     {"pe_involved": "1", "pe_coordinated": "2", "pe_understood": "3", "pe_overall": "2"}),
]

# (pathway, lane, organisation, due)
OPEN_TASKS = [("A", "psykiatri", "region-hovedstaden", "2025-06-01"),
              ("A", "kommune", "kommune-koebenhavn", "2025-07-05"),
              ("B", "psykiatri", "region-hovedstaden", "2025-06-15"),
              ("C", "psykiatri", "region-sjaelland", "2025-03-15")]


def load(deploy=True) -> dict:
    """Write the data set; return {name: pathway id}.

    With deploy=False a bare version row stands in for the pathway (no DMN to read), which
    is enough for the quality figures and saves the deploy's validation time.
    """
    if deploy:
        ensure_deployed()
        version = service.latest_version(db.session)
    else:
        version = DefinitionVersion(content_hash="0" * 64, files={}, process_ids=[],
                                    deployed_by="test")
        db.session.add(version)
        db.session.flush()
    ids = {}
    for n, (name, spec) in enumerate(PATHWAYS.items()):
        region = spec["region_org"].split("-", 1)[1]
        patient = Patient(cpr=f"01019{n}0000", name=f"Testperson {name}", sex="K",
                          birth_date=date(1990, 1, 1), region=region,
                          municipality=spec["municipality_org"].split("-", 1)[1])
        db.session.add(patient)
        db.session.flush()
        pathway = Pathway(
            patient_id=patient.id, version_id=version.id, status=spec["status"], stage=spec["stage"],
            region_org=spec["region_org"], municipality_org=spec["municipality_org"],
            tovholder=spec["tovholder"], group_no=spec["group_no"],
            guarantee_due=date.fromisoformat(spec["guarantee_due"]),
            waiting_until=date.fromisoformat(spec["waiting_until"]) if spec.get("waiting_until") else None,
            started_at=at(spec["started"]), run_started_at=at(spec["run_started"]),
            ended_at=at(spec["ended"]) if spec.get("ended") else None,
            end_reason=spec.get("end_reason"), run_no=len(spec["runs"]),
            treatment_started_at=at(spec["treated"]) if spec.get("treated") else None)
        judge_guarantee(pathway, at(TODAY.isoformat()))
        db.session.add(pathway)
        db.session.flush()
        ids[name] = pathway.id
        for run_no, (stage, start, end, nxt) in enumerate(spec["runs"], 1):
            db.session.add(PathwayRun(pathway_id=pathway.id, run_no=run_no, stage=stage,
                                      version_id=version.id, started_at=at(start), ended_at=at(end),
                                      next_stage=nxt, data={}))
    for name, form, stage, day, data in RECORDS:
        db.session.add(TaskRecord(pathway_id=ids[name], run_no=1, stage=stage, form_id=form,
                                  kind="task", actor="test", at=at(day), data=data,
                                  version_id=version.id, title=form))
    for n, (name, lane, org, due) in enumerate(OPEN_TASKS):
        pathway = db.session.get(Pathway, ids[name])
        db.session.add(WorklistItem(pathway_id=ids[name], patient_id=pathway.patient_id,
                                    task_id=f"task-{n}", task_spec="t", title="Opgave",
                                    kind="task", lane=lane, org_code=org, due_at=at(due)))
    db.session.commit()
    return ids
