"""Benchmark: the patient's start page at scale, and a red answer's way to the tovholder.

    .venv/bin/python -m tests.benchmarks.patient_home [--patients 10000] [--db sqlite|postgres] [--json]

Every bulk ("typical") patient gets an account, 6 answered WHO-5 rounds and 4 contacts; one
"old" patient gets 300 rounds and 600 contacts (a long pathway), one "new" patient none.
The start page (/mig/) is timed for both; then a red WHO-5 answer is posted and the
follow-up task is looked for right after that one request returns.
"""
import argparse
import atexit
import cProfile
import io
import json
import os
import pstats
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta

import pyotp
from sqlalchemy import insert, select
from werkzeug.security import generate_password_hash

from engine.models import Pathway, Patient
from tests.benchmarks.worklist_web import _database
from tests.conftest import make_test_config
from tests.web.bulk import seed_pathways
from webui import create_app
from webui.demo.seed import seed_organisations, seed_users
from webui.extensions import db
from webui.patient.models import FollowUp, PatientAccount, PlannedContact, Questionnaire

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PASSWORD = "benchmark-pw-1"  # noqa: S105
ANSWERS = {"who5_1": 3, "who5_2": 3, "who5_3": 3, "who5_4": 3, "who5_5": 3,
           "suicidal_thoughts": False, "wants_contact": False, "talk_about": ""}
RESULT = {"raw": 15, "percentage": 60, "band": "good_wellbeing", "zone": "green", "rule": "good_wellbeing",
          "call_now": False}


def _bulk(session, patient_ids, rounds, contacts, now, password_hash):
    """Accounts, answered rounds and contacts for many patients, via executemany."""
    def put(model, rows):
        if rows:  # an empty executemany would insert one row of defaults
            session.execute(insert(model), rows)
    put(PatientAccount, [
        {"patient_id": pid, "role": "patient", "username": f"p{pid}", "password_hash": password_hash,
         "totp_secret": SECRET, "totp_last_step": 0, "active": True, "created_at": now} for pid in patient_ids])
    put(Questionnaire, [
        {"patient_id": pid, "instrument": "who5", "requested_by": "bench", "requested_at": now - timedelta(days=14 * r + 1),
         "answered_at": now - timedelta(days=14 * r), "answered_by": "bench", "answers": ANSWERS,
         "result": RESULT, "zone": "green"} for pid in patient_ids for r in range(rounds)])
    put(PlannedContact, [
        {"patient_id": pid, "starts_at": now + timedelta(days=c - contacts // 2), "minutes": 45,
         "place": "Ambulatoriet", "org_code": "region-hovedstaden", "person": "Pia", "status": "planned",
         "created_by": "bench", "created_at": now, "updated_at": now} for pid in patient_ids for c in range(contacts)])


def _time(client, path, repeat):
    client.get(path)
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        assert client.get(path).status_code == 200
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return {"median_ms": round(statistics.median(samples), 1),
            "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 1)}


def _profile(client, path, repeat):
    """cProfile of `repeat` requests: the 25 costliest functions by cumulative time."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        client.get(path)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
    return out.getvalue()


def run(patients, kind, repeat, profile=False):
    """Seed, time the start page for an old and a new patient, then a red answer."""
    if "FORLOB_INSTANCE_PATH" not in os.environ:
        instance = tempfile.mkdtemp(prefix="forlob-instance-")
        atexit.register(shutil.rmtree, instance, ignore_errors=True)
        os.environ["FORLOB_INSTANCE_PATH"] = instance
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    url, cleanup = _database(kind)
    try:
        create_app({"SQLALCHEMY_DATABASE_URI": url, "AUTO_MIGRATE": True, "TESTING": True})
        app = create_app(make_test_config(url))
        now = datetime.now(UTC)
        with app.app_context():
            seed_organisations()
            seed_users()
            db.session.commit()
            seed_pathways(db.session, patients)
            db.session.execute(Pathway.__table__.update().values(tovholder_org="region-hovedstaden"))
            ids = db.session.scalars(select(Patient.id).order_by(Patient.id)).all()
            pw = generate_password_hash(PASSWORD)
            _bulk(db.session, ids[2:], 6, 4, now, pw)
            _bulk(db.session, ids[:1], 300, 600, now, pw)   # old: 300 rounds, 300 past contacts
            _bulk(db.session, ids[1:2], 0, 0, now, pw)      # new
            open_q = Questionnaire(patient_id=ids[0], instrument="who5", requested_by="bench", requested_at=now)
            db.session.add(open_q)
            db.session.commit()
            old_id, new_id, typical_id, open_id = ids[0], ids[1], ids[2], open_q.id
        pages = {}
        clients = {}
        for label, pid in (("old", old_id), ("typical", typical_id), ("new", new_id)):
            client = app.test_client()
            assert client.post("/mig/login", data={"username": f"p{pid}", "password": PASSWORD,
                                                   "totp": pyotp.TOTP(SECRET).now()}).status_code == 302
            pages[label] = _time(client, "/mig/", repeat)
            clients[label] = client
        if profile:
            print(_profile(clients["typical"], "/mig/", repeat))
        form = {f"who5_{i}": "1" for i in range(1, 6)} | {"suicidal_thoughts": "ja", "wants_contact": "nej"}
        t0 = time.perf_counter()
        response = clients["old"].post(f"/mig/skema/{open_id}", data=form)
        red_ms = (time.perf_counter() - t0) * 1000
        with app.app_context():
            task = db.session.scalar(select(FollowUp).where(FollowUp.questionnaire_id == open_id))
            db.session.remove()
            db.engine.dispose()
        return {"db": kind, "patients": patients, "start_page": pages,
                "red_answer": {"status": response.status_code, "request_ms": round(red_ms, 1),
                               "task_after_same_request": task is not None and task.zone == "red"}}
    finally:
        cleanup()


def main():
    """Parse arguments, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the typical page")
    args = parser.parse_args()
    result = run(args.patients, args.db, args.repeat, args.profile)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"patient start page, {result['patients']} patients, {result['db']}")
    for label, t in result["start_page"].items():
        print(f"  /mig/ ({label} pathway): median {t['median_ms']} ms, p95 {t['p95_ms']} ms")
    red = result["red_answer"]
    print(f"red answer: {red['request_ms']} ms, task there after the same request: {red['task_after_same_request']}")


if __name__ == "__main__":
    main()
