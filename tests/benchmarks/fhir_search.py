"""Benchmark: one patient's everything over FHIR at 10,000 pathways, fresh vs aged.

    .venv/bin/python -m tests.benchmarks.fhir_search [--pathways 10000] [--transitions 200]
        [--db sqlite|postgres] [--repeat 11] [--json]

Seeds `--pathways` bulk pathways, then two real patients in Ustabil (one aged by
`--transitions` Ustabil⇄Stabil changes), each with a hospital stay from a HospitalNotification.
"Everything" is measured two ways: the four searches a FHIR client makes for one patient
(Patient by CPR, then EpisodeOfCare, Encounter and Task, first page, by patient), and
Patient by CPR plus the first page of `Patient/<id>/$everything` (every resource type in one
answer: two requests, two audited commits). Prints the medians, fresh and aged, their ratios,
and the CPU time (target ≤ 100 ms wall and flat with age).
"""
import argparse
import json
import os
import statistics
import tempfile
import time

from sqlalchemy import event

from tests.benchmarks.worklist_web import _database
from tests.conftest import make_test_config
from tests.web.aging import age, to_ustabil
from tests.web.bulk import seed_pathways
from tests.web.hn_bundles import message
from webui import create_app
from webui.api.tokens import create_client
from webui.demo.seed import seed_organisations, seed_users
from webui.extensions import db

PATIENTS = {"fresh": "0101901235", "aged": "0202802468"}
STATEMENTS = [0]   # SQL statements sent, counted per measured call (round trips on PostgreSQL)


def _count(*_args):
    STATEMENTS[0] += 1


def _everything(client, headers, cpr):
    """The four searches; returns (milliseconds, CPU milliseconds, entries returned)."""
    t0, c0 = time.perf_counter(), time.process_time()
    found = client.get(f"/fhir/Patient?identifier=urn:oid:1.2.208.176.1.2|{cpr}", headers=headers).get_json()
    patient_id = found["entry"][0]["resource"]["id"]
    entries = 1
    for kind in ("EpisodeOfCare", "Encounter", "Task"):
        answer = client.get(f"/fhir/{kind}?patient=Patient/{patient_id}", headers=headers)
        assert answer.status_code == 200, answer.get_data()[:200]
        entries += len(answer.get_json()["entry"])
    return (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000, entries


def _everything_op(client, headers, cpr):
    """Patient by CPR, then the first page of $everything; (ms, CPU ms, entries)."""
    t0, c0 = time.perf_counter(), time.process_time()
    found = client.get(f"/fhir/Patient?identifier=urn:oid:1.2.208.176.1.2|{cpr}", headers=headers).get_json()
    patient_id = found["entry"][0]["resource"]["id"]
    answer = client.get(f"/fhir/Patient/{patient_id}/$everything", headers=headers)
    assert answer.status_code == 200, answer.get_data()[:200]
    return (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000, len(answer.get_json()["entry"])


def run(pathways, transitions, kind, repeat):
    """Seed, age, then time the searches interleaved; return the figures."""
    os.environ.setdefault("FORLOB_INSTANCE_PATH", tempfile.mkdtemp(prefix="forlob-instance-"))
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    url, cleanup = _database(kind)
    try:
        create_app({"SQLALCHEMY_DATABASE_URI": url, "AUTO_MIGRATE": True, "TESTING": True})
        app = create_app(make_test_config(url))
        with app.app_context():
            seed_organisations()
            seed_users()
            _client, token = create_client("bench", "region-hovedstaden")
            db.session.commit()
            real = {which: to_ustabil(cpr=cpr) for which, cpr in PATIENTS.items()}
            started = time.perf_counter()
            age(real["aged"].id, transitions)
            aging_s = time.perf_counter() - started
            # the bulk comes last: its placeholder definition version must not run real pathways
            seed_pathways(db.session, pathways)
            db.session.commit()
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", _count)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        for which, cpr in PATIENTS.items():
            answer = client.post("/fhir/$process-message", headers=headers, content_type="application/fhir+json",
                                 data=json.dumps(message("admit-inpatient", "IMP", "in-progress", cpr,
                                                         episode=f"bench-{which}")))
            assert answer.status_code == 200, answer.get_json()
        result = {"db": kind, "pathways": pathways, "transitions": transitions, "repeat": repeat,
                  "aging_seconds": round(aging_s, 1)}
        for name, measure in (("fhir_everything", _everything), ("fhir_everything_op", _everything_op)):
            samples, cpu, entries, statements = {"fresh": [], "aged": []}, {"fresh": [], "aged": []}, {}, {}
            for which in PATIENTS:
                measure(client, headers, PATIENTS[which])   # warm-up
            for _ in range(repeat):
                for which in PATIENTS:                      # interleaved: same machine load
                    before = STATEMENTS[0]
                    ms, cpu_ms, entries[which] = measure(client, headers, PATIENTS[which])
                    statements[which] = STATEMENTS[0] - before
                    samples[which].append(ms)
                    cpu[which].append(cpu_ms)
            fresh, aged = statistics.median(samples["fresh"]), statistics.median(samples["aged"])
            result.update({f"{name}_ms_fresh": round(fresh, 1), f"{name}_ms_aged": round(aged, 1),
                           f"{name}_ratio": round(aged / fresh, 2),
                           f"{name}_cpu_ms_fresh": round(statistics.median(cpu["fresh"]), 1),
                           f"{name}_cpu_ms_aged": round(statistics.median(cpu["aged"]), 1),
                           f"{name}_entries_fresh": entries["fresh"], f"{name}_entries_aged": entries["aged"],
                           f"{name}_sql_fresh": statements["fresh"], f"{name}_sql_aged": statements["aged"]})
        return result
    finally:
        cleanup()


def main():
    """Parse arguments, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pathways", type=int, default=10_000)
    parser.add_argument("--transitions", type=int, default=200)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.pathways, args.transitions, args.db, args.repeat)
    if args.json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        print(f"{key:34} {value}")


if __name__ == "__main__":
    main()
