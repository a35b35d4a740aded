"""Engine benchmark: click cost fresh vs aged, worklist query and timer sweep at scale.

Run: python -m tests.benchmarks.engine --json
Everything runs on a SQLite *file* database in a temporary directory, through the same
facade the web views use; each measured click includes load, step, save, projection and
commit.
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, func, insert, select
from sqlalchemy.orm import Session

import engine.models as m
from engine import service
from engine.db import Base
from engine.definitions.parsing import parse_bundle
from engine.definitions.versions import known_form_ids, read_directory
from engine.errors import InvalidDefinition
from tests.benchmarks import hostile
from tests.benchmarks.dashboard import measure
from tests.fixtures.engine import LOOP_FORMS, START_DATA, loop_files

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
MUNICIPALITIES = {"koebenhavn": "hovedstaden", "frederiksberg": "hovedstaden",
                  "gentofte": "hovedstaden", "roskilde": "sjaelland", "naestved": "sjaelland",
                  "odense": "syddanmark", "esbjerg": "syddanmark", "aarhus": "midtjylland",
                  "randers": "midtjylland", "aalborg": "nordjylland", "hjoerring": "nordjylland"}
ORGS = sorted({f"region-{r}" for r in MUNICIPALITIES.values()}) + \
    [f"kommune-{k}" for k in MUNICIPALITIES]
PAGE = 100


BPMN_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "bpmn")

# Each scenario: how to reach Ustabil, one loop turn (2 transitions + 2 recurring activities;
# the measured click is marked True), and how to make one timer due.
SCENARIOS = {
    "real": dict(
        files=lambda: read_directory(BPMN_DIR), forms=known_form_ids,
        walk=[("visitation", {"visitation_decision": "optaget"}), ("indskrivning", {}),
              ("opstart_audit", {}), ("opstart_dudit", {}), ("opstart_suicide", {}),
              ("opstart_medicine", {}), ("opstart_plan", {}), ("opstart_harm", {}),
              ("opstart_assess", {"phase_decision": "ustabil"})],
        turn=[("ustabil_activity", {}, False),
              ("ustabil_assess", {"phase_decision": "stabil"}, True),
              ("stabil_activity", {}, False),
              ("stabil_assess", {"phase_decision": "ustabil"}, False)],
        make_due=[], due_after_days=7 * 10),
    "fixture": dict(
        files=loop_files, forms=lambda: LOOP_FORMS,
        walk=[("visitation", {"accepted": True, "severity": 5, "waiting_until": "{today}",
                              "tovholder_org": "{municipality_org}", "tovholder": "bench",
                              "followups": 0, "activities": 0}),
              ("tick", 1), ("opstart_vurdering", {})],
        turn=[("ustabil_aktivitet", {"stable": False}, False),
              ("ustabil_aktivitet", {"stable": True}, True),
              ("opfoelgning", {"relapse": False, "done": False}, False),
              ("opfoelgning", {"relapse": True, "done": False}, False)],
        make_due=[("ustabil_aktivitet", {"stable": True})], due_after_days=61),
}


def pick_scenario(name):
    """The named scenario, or 'real' when bpmn/ deploys and 'fixture' otherwise."""
    if name != "auto":
        return name
    try:
        parse_bundle(read_directory(BPMN_DIR), known_forms=known_form_ids())
        return "real"
    except (InvalidDefinition, OSError):
        return "fixture"


class Bench:
    """A benchmark database and the clock it runs on."""

    def __init__(self, path, scenario):
        self.engine = create_engine(f"sqlite:///{path}")
        Base.metadata.create_all(self.engine)
        self.session = Session(self.engine)
        self.now = T0
        self.patients = 0
        self.scenario = SCENARIOS[scenario]
        service.deploy_bundle(self.session, self.scenario["files"](), "bench",
                              known_forms=self.scenario["forms"]())
        self.session.commit()

    def tick_clock(self, days=1):
        self.now += timedelta(days=days)

    def click(self, pathway_id, spec, data):
        """Complete the open task `spec`; return the server-side milliseconds."""
        s = self.session
        [item] = [i for i in service.ready_tasks(s, pathway_id) if i.task_spec == spec]
        started = time.perf_counter()
        service.complete_task(s, pathway_id, item.task_id, data, "bench", now=self.now)
        s.commit()
        return (time.perf_counter() - started) * 1000

    def new_pathway(self, org_data=None):
        """A pathway walked to its first Ustabil task."""
        s = self.session
        self.patients += 1
        patient = service.register_patient(s, f"{2000000000 + self.patients}",
                                           f"Bench {self.patients}", "K", "1980-01-01",
                                           "hovedstaden", "koebenhavn")
        data = dict(START_DATA, patient_id=patient.id, received_at=self.now.date().isoformat(),
                    **(org_data or {}))
        pathway = service.start_pathway(s, patient.id, data, "bench", now=self.now)
        s.commit()
        fill = {"today": self.now.date().isoformat(), "municipality_org": data["municipality_org"]}
        for spec, answers in self.scenario["walk"]:
            if spec == "tick":
                service.tick(s, now=self.now + timedelta(days=answers))
                s.commit()
                continue
            answers = {k: v.format(**fill) if isinstance(v, str) else v
                       for k, v in answers.items()}
            answers.setdefault("phase_in_date", fill["today"])
            self.click(pathway.id, spec, answers)
        return pathway.id

    def state_bytes(self, pathway_id):
        return len(self.session.scalar(select(m.Pathway.state).where(m.Pathway.id == pathway_id)))


def measure_clicks(bench, fresh_samples, turns, aged_samples):
    """Median cost of the Ustabil 'stable' click on fresh pathways and on one aged pathway."""
    turn = bench.scenario["turn"]
    [(spec, answers, _)] = [step for step in turn if step[2]]
    fresh = [bench.click(bench.new_pathway(), spec, dict(answers))
             for _ in range(fresh_samples)]
    aged_id = bench.new_pathway()
    fresh_state = bench.state_bytes(aged_id)
    transitions = recurring = 0
    aged, cost = [], None
    for n in range(turns + aged_samples):
        bench.tick_clock(7)
        for spec, answers, measured in turn:
            took = bench.click(aged_id, spec, dict(answers))
            cost = took if measured else cost
        if n >= turns:
            aged.append(cost)
        else:
            transitions += 2
            recurring += 2
    return {
        "click_ms_fresh": round(statistics.median(fresh), 3),
        "click_ms_aged": round(statistics.median(aged), 3),
        "aged_transitions": transitions,
        "aged_recurring_activities": recurring,
        "click_ratio": round(statistics.median(aged) / statistics.median(fresh), 3),
        "state_bytes_fresh": fresh_state,
        "state_bytes_aged": bench.state_bytes(aged_id),
    }


def populate(bench, total):
    """`total` active pathways with their open tasks, spread over the organisations.

    A real pathway per organisation is started through the facade; the rest are row-level
    copies of those (same state, same projection columns), inserted in bulk for speed.
    """
    s = bench.session
    templates = []
    for municipality, region in MUNICIPALITIES.items():
        pid = bench.new_pathway({"municipality_org": f"kommune-{municipality}",
                                 "region_org": f"region-{region}", "region": region,
                                 "municipality": municipality})
        rows = s.scalars(select(m.WorklistItem).where(m.WorklistItem.pathway_id == pid)).all()
        templates.append((s.get(m.Pathway, pid), rows))
    s.commit()
    first_patient = bench.patients + 1
    patients, pathways_, items = [], [], []
    next_id = s.scalar(select(m.Pathway.id).order_by(m.Pathway.id.desc()).limit(1)) + 1
    far = bench.now + timedelta(days=3650)
    for n in range(total - len(templates)):
        pathway, rows = templates[n % len(templates)]
        pid, patient_id = next_id + n, first_patient + n
        due = bench.now + timedelta(hours=n % 5000)
        patients.append(dict(id=patient_id, cpr=f"{3000000000 + n}", name=f"Copy {n}", sex="M",
                             region="hovedstaden", municipality="koebenhavn",
                             created_at=bench.now))
        pathways_.append(dict(
            id=pid, patient_id=patient_id, version_id=pathway.version_id, status="active",
            stage=pathway.stage, phase=pathway.phase, lock_version=1, state=pathway.state,
            region_org=pathway.region_org, municipality_org=pathway.municipality_org,
            tovholder_org=pathway.tovholder_org, run_no=pathway.run_no,
            next_due_at=far + timedelta(minutes=n), started_at=bench.now,
            updated_at=bench.now, guarantee_breached=False))
        items.extend(dict(
            pathway_id=pid, patient_id=patient_id, task_id=str(uuid.uuid4()),
            task_spec=item.task_spec, title=item.title, form_id=item.form_id, kind=item.kind,
            stage=item.stage, phase=item.phase, lane=item.lane, role=item.role,
            org_code=item.org_code,
            due_at=due, created_at=bench.now, patient_name=f"Copy {n}") for item in rows)
    s.execute(insert(m.Patient), patients)
    s.execute(insert(m.Pathway), pathways_)
    s.execute(insert(m.WorklistItem), items)
    s.commit()
    return s.scalar(select(m.Pathway.id).order_by(m.Pathway.id.desc()).limit(1))


def worklist_query(session, org):
    """One organisation's worklist: the first page (soonest due first) and the total count."""
    where = m.WorklistItem.org_code == org
    rows = session.scalars(select(m.WorklistItem).where(where)
                           .order_by(m.WorklistItem.due_at).limit(PAGE)).all()
    return rows, session.scalar(select(func.count(m.WorklistItem.id)).where(where))


def measure_worklist(bench, repeats=21):
    """Median milliseconds of one organisation's worklist query."""
    s = bench.session
    times, rows = [], 0
    for i in range(repeats):
        s.expire_all()
        started = time.perf_counter()
        rows = max(rows, worklist_query(s, ORGS[i % len(ORGS)])[1])
        times.append((time.perf_counter() - started) * 1000)
    biggest = max(ORGS, key=lambda org: worklist_query(s, org)[1])
    full = []
    for _ in range(5):
        s.expire_all()
        started = time.perf_counter()
        s.scalars(select(m.WorklistItem).where(m.WorklistItem.org_code == biggest)
                  .order_by(m.WorklistItem.due_at)).all()
        full.append((time.perf_counter() - started) * 1000)
    bench.worklist_full_ms = round(statistics.median(full), 3)
    return round(statistics.median(times), 3), rows  # rows: the largest organisation's count


def measure_tick(bench, due=10, repeats=5):
    """Median milliseconds of one sweep that fires `due` timers among all pathways."""
    s = bench.session
    times = []
    days = bench.scenario["due_after_days"]
    for _ in range(repeats):
        # Fire (unmeasured) whatever earlier pathways have due, so exactly `due` are due below.
        bench.now += timedelta(days=2 * days)
        service.tick(s, now=bench.now, limit=1_000_000)
        s.commit()
        ids = [bench.new_pathway() for _ in range(due)]
        for pid in ids:
            for spec, answers in bench.scenario["make_due"]:
                bench.click(pid, spec, dict(answers))
        s.commit()
        when = bench.now + timedelta(days=days)
        started = time.perf_counter()
        fired = service.tick(s, now=when)
        s.commit()
        times.append((time.perf_counter() - started) * 1000)
        assert fired == due, fired
        bench.now = when
    return round(statistics.median(times), 3)


def run(args):
    """Run every measurement; return the figures."""
    with tempfile.TemporaryDirectory(prefix="forlob-bench-") as tmp:
        scenario = pick_scenario(args.bundle)
        bench = Bench(os.path.join(tmp, "bench.sqlite"), scenario)
        result = {"database": "sqlite-file",
                  "bundle": "bpmn/" if scenario == "real" else "tests/fixtures/engine/loop/"}
        result.update(measure_clicks(bench, args.fresh, args.turns, args.aged))
        populate(bench, args.pathways)
        count = bench.session.scalar(select(m.Pathway.id).order_by(m.Pathway.id.desc()))
        result["pathways"] = bench.session.query(m.Pathway).filter(
            m.Pathway.status == "active").count()
        result["worklist_ms"], result["worklist_rows_max_org"] = measure_worklist(bench)
        result["worklist_page"] = PAGE
        result["worklist_unpaged_ms_max_org"] = bench.worklist_full_ms
        result["due"] = args.due
        result["tick_ms"] = measure_tick(bench, args.due)
        result["pathways_total"] = count
        result.update(hostile.measure(bench))  # issue 8: clicks while hostile ones run
        bench.session.close()
        # migrate_per_s and friends; imported here because migration.py builds on this module
        # cycle: tests/benchmarks/migration.py imports Bench from this module
        from tests.benchmarks import migration as migration_bench  # noqa: PLC0415
        result.update(migration_bench.run(scenario, args.pathways, tmp))
    return result


def main(argv=None):
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--turns", type=int, default=500,
                        help="aged loop turns (2 transitions + 2 recurring activities each)")
    parser.add_argument("--fresh", type=int, default=31)
    parser.add_argument("--aged", type=int, default=31)
    parser.add_argument("--pathways", type=int, default=10000)
    parser.add_argument("--due", type=int, default=10)
    parser.add_argument("--bundle", choices=("auto", "real", "fixture"), default="auto",
                        help="the real pathway in bpmn/ (auto: when it deploys) or the fixture")
    parser.add_argument("--dashboard", action="store_true",
                        help="also time the dashboards' query set (tests/benchmarks/dashboard.py)")
    args = parser.parse_args(argv)
    result = run(args)
    if args.dashboard:
        result.update(measure(args.pathways))
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:28} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
