"""After a load or fault run: is every acknowledged submit stored once, and does every pathway load?"""
import json
from collections import Counter

from sqlalchemy import func, select

from engine.models import Pathway, TaskRecord, WorklistItem
from engine.runtime import pathways, projection
from webui.extensions import db

ACTORS = ("psyk.kbh", "rus.kbh", "tovholder.kbh")


def read_outcomes(path) -> list[dict]:
    """The outcome lines the load generator wrote (a torn last line is ignored)."""
    outcomes = []
    try:
        with open(path) as handle:
            for line in handle:
                try:
                    outcomes.append(json.loads(line))
                except ValueError:
                    continue
    except FileNotFoundError:
        pass
    return outcomes


def check_pathways(session) -> dict:
    """Load every active pathway; its worklist rows must equal what its state asks for."""
    report = {"pathways": 0, "active": 0, "load_failures": [], "projection_mismatches": []}
    ids = session.execute(select(Pathway.id, Pathway.status)).all()
    for pathway_id, status in ids:
        report["pathways"] += 1
        rows = set(session.scalars(select(WorklistItem.task_id).where(
            WorklistItem.pathway_id == pathway_id)))
        if status != "active":
            if rows:
                report["projection_mismatches"].append(pathway_id)
            continue
        report["active"] += 1
        try:
            live = pathways.load(session, pathway_id)
            wanted = set(projection.wanted_items(live))
        except Exception as exc:  # noqa: BLE001 - any failure to load is what we look for
            report["load_failures"].append([pathway_id, type(exc).__name__])
            session.rollback()
            continue
        if wanted != rows:
            report["projection_mismatches"].append(pathway_id)
        session.expunge_all()
    session.rollback()
    return report


def check_submits(session, outcomes, since) -> dict:
    """acked ≤ stored ≤ acked + unknown, per pathway; stored counts task rows since `since`."""
    acked, unknown = Counter(), Counter()
    for entry in outcomes:
        if entry.get("acked") is True:
            acked[entry["pathway_id"]] += 1
        elif entry.get("acked") is None:
            unknown[entry["pathway_id"]] += 1
    stored = Counter(dict(session.execute(
        select(TaskRecord.pathway_id, func.count()).where(
            TaskRecord.kind == "task", TaskRecord.at >= since, TaskRecord.actor.in_(ACTORS))
        .group_by(TaskRecord.pathway_id)).all()))
    lost = {p: acked[p] - stored[p] for p in acked if stored[p] < acked[p]}
    extra = {p: stored[p] - acked[p] - unknown[p] for p in stored
             if stored[p] > acked[p] + unknown[p]}
    session.rollback()
    return {"acked": sum(acked.values()), "unknown": sum(unknown.values()),
            "stored": sum(stored.values()), "lost": lost, "duplicated_or_unexplained": extra}


def verify(app, outcomes_path=None, since=None) -> dict:
    """Both checks; `ok` is True when nothing is lost, doubled, unloadable or out of step."""
    with app.app_context():
        report = check_pathways(db.session)
        if outcomes_path is not None:
            report["submits"] = check_submits(db.session, read_outcomes(outcomes_path), since)
        db.session.remove()
    submits = report.get("submits", {})
    report["ok"] = not (report["load_failures"] or report["projection_mismatches"]
                        or submits.get("lost") or submits.get("duplicated_or_unexplained"))
    return report
