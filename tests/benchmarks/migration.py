"""Migration benchmark: 10,000 running pathways moved to a new version through the worker's path.

Run alone: python -m tests.benchmarks.migration --json  (tests/benchmarks/engine.py runs it too)
A SQLite *file* database; pathways are copies (rows, state, worklist with the same task ids,
awaited messages, participants, a draft on every 10th) of pathways walked to Ustabil through
the facade. The new version changes a label of the open task. The measured part is what the
background worker does: `jobs.run_batch` until the job is done, one transaction
per pathway (load, SpiffWorkflow diff + migrate, step, save, projection, history, audit,
commit).
"""
import argparse
import json
import os
import sys
import tempfile
import time

from sqlalchemy import func, insert, select

import engine.migration.models as mm
import engine.models as m
from engine import service
from engine.migration import jobs
from tests.benchmarks.engine import MUNICIPALITIES, Bench, pick_scenario

LABELS = {"real": ("ustabil.bpmn", 'name="Registrér aktivitet"',
                   'name="Registrér behandlingsaktivitet"'),
          "fixture": ("loop.bpmn", 'name="Behandlingsaktivitet"', 'name="Aktivitet"')}


def _copy(bench, total):
    """`total` active pathways: a few walked through the facade, the rest row-level copies."""
    s = bench.session
    templates = []
    for municipality, region in MUNICIPALITIES.items():
        pid = bench.new_pathway({"municipality_org": f"kommune-{municipality}",
                                 "region_org": f"region-{region}", "region": region,
                                 "municipality": municipality})
        templates.append((s.get(m.Pathway, pid),
                          s.scalars(select(m.WorklistItem).where(
                              m.WorklistItem.pathway_id == pid)).all(),
                          s.scalars(select(m.AwaitedMessage.name).where(
                              m.AwaitedMessage.pathway_id == pid)).all(),
                          s.scalars(select(m.PathwayParticipant.org_code).where(
                              m.PathwayParticipant.pathway_id == pid)).all()))
    s.commit()
    first_patient = bench.patients + 1
    next_id = s.scalar(select(func.max(m.Pathway.id))) + 1
    rows = {"patient": [], "pathway": [], "item": [], "awaited": [], "part": [], "draft": []}
    for n in range(total - len(templates)):
        pathway, items, awaited, orgs = templates[n % len(templates)]
        pid, patient_id = next_id + n, first_patient + n
        rows["patient"].append(dict(id=patient_id, cpr=f"{4000000000 + n}", name=f"Copy {n}",
                                    sex="M", region="hovedstaden", municipality="koebenhavn",
                                    created_at=bench.now))
        rows["pathway"].append({c: getattr(pathway, c) for c in (
            "version_id", "status", "stage", "phase", "region_org", "municipality_org",
            "tovholder_org", "tovholder", "run_no", "run_started_at", "next_due_at", "state",
            "started_at", "updated_at", "guarantee_breached")} | dict(
            id=pid, patient_id=patient_id, lock_version=1))
        rows["item"].extend({c: getattr(i, c) for c in (
            "task_id", "task_spec", "title", "form_id", "kind", "stage", "phase", "lane", "role",
            "org_code", "due_at", "created_at")} | dict(
            pathway_id=pid, patient_id=patient_id, patient_name=f"Copy {n}",
            assignee="bench" if n % 3 == 0 else None) for i in items)
        rows["awaited"].extend(dict(pathway_id=pid, name=a, patient_id=patient_id)
                               for a in awaited)
        rows["part"].extend(dict(pathway_id=pid, org_code=o) for o in orgs)
        if n % 10 == 0 and items:
            rows["draft"].append(dict(pathway_id=pid, task_id=items[0].task_id,
                                      data={"note": f"draft {n}"}, actor="bench",
                                      saved_at=bench.now))
    for model, key in ((m.Patient, "patient"), (m.Pathway, "pathway"), (m.WorklistItem, "item"),
                       (m.AwaitedMessage, "awaited"), (m.PathwayParticipant, "part"),
                       (m.TaskDraft, "draft")):
        if rows[key]:
            s.execute(insert(model), rows[key])
    s.commit()


def measure(bench, scenario, total, batch=200):
    """Deploy a relabelled version, dry-run, then migrate every pathway as the worker does."""
    s = bench.session
    _copy(bench, total)
    name, old, new = LABELS[scenario]
    files = {n: t.encode("utf-8") for n, t in service.latest_version(s).files.items()}
    files[name] = files[name].replace(old.encode(), new.encode())
    target = service.deploy_bundle(s, files, "bench", known_forms=bench.scenario["forms"]())
    s.commit()
    active = s.scalar(select(func.count()).select_from(m.Pathway).where(
        m.Pathway.status == "active"))
    started = time.perf_counter()
    verdicts = service.dry_run(s, target.id)
    dry_s = time.perf_counter() - started
    s.rollback()
    job = jobs.create_job(s, target.id, "bench")
    s.commit()
    started, cpu = time.perf_counter(), time.process_time()
    while jobs.run_batch(s, s.commit, batch=batch):
        pass
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    state = jobs.progress(s, job.id)
    moved = s.scalar(select(func.count()).select_from(m.Pathway).where(
        m.Pathway.version_id == target.id))
    drafts = s.scalar(select(func.count()).select_from(m.TaskDraft))
    assert state["failed"] == 0 and moved == active, (state, moved, active)
    return {"migrate_pathways": state["done"], "migrate_failed": state["failed"],
            "migrate_s": round(elapsed, 2), "migrate_per_s": round(state["done"] / elapsed, 1),
            "migrate_cpu_ms_per_pathway": round(1000 * cpu / max(state["done"], 1), 2),
            "migrate_dry_run_s": round(dry_s, 2),
            "migrate_dry_run_migratable": sum(v.migratable for v in verdicts),
            "migrate_batch": batch, "migrate_drafts_kept": drafts,
            "migrate_jobs": s.scalar(select(func.count()).select_from(mm.MigrationJob))}


def run(scenario, total, directory):
    """A fresh benchmark database in `directory`; return the migration figures."""
    bench = Bench(os.path.join(directory, "migration.sqlite"), scenario)
    try:
        return measure(bench, scenario, total)
    finally:
        bench.session.close()


def main(argv=None):
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--pathways", type=int, default=10000)
    parser.add_argument("--bundle", choices=("auto", "real", "fixture"), default="auto")
    args = parser.parse_args(argv)
    scenario = pick_scenario(args.bundle)
    with tempfile.TemporaryDirectory(prefix="forlob-bench-") as tmp:
        result = {"bundle": scenario, **run(scenario, args.pathways, tmp)}
    print(json.dumps(result) if args.json else "\n".join(f"{k:28} {v}"
                                                          for k, v in result.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
