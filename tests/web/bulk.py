"""Bulk rows for worklist scale tests: many pathways with worklist items, via executemany."""
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert

from engine.models import DefinitionVersion, Pathway, PathwayParticipant, Patient, WorklistItem
from webui.demo.organisations import MUNICIPALITIES, municipality_org, region_org

# lane → (role, which organisation of the pathway works it)
LANES = {"psykiatri": ("regional_clinician", "region"), "kommune": ("municipal_clinician", "municipality"),
         "tovholder": ("tovholder", "region")}
STAGES = ["henvisning", "opstart", "ustabil", "stabil", "overgang"]


def seed_pathways(session, count, now=None, batch=2000):
    """Insert `count` active pathways (3 open items each) spread over the demo organisations."""
    now = now or datetime.now(UTC)
    version = DefinitionVersion(content_hash="bulk-" + now.isoformat(), files={}, process_ids=[],
                                deployed_by="bulk")
    session.add(version)
    session.flush()
    places = sorted(MUNICIPALITIES)
    for start in range(0, count, batch):
        ids = range(start, min(count, start + batch))
        patients = [{"cpr": f"{n:010d}", "name": f"Bulk Patient {n}", "sex": "K",
                     "birth_date": date(1980, 1, 1), "region": MUNICIPALITIES[places[n % len(places)]][1],
                     "municipality": places[n % len(places)]} for n in ids]
        patient_ids = session.scalars(insert(Patient).returning(Patient.id, sort_by_parameter_order=True),
                                      patients).all()
        pathways, participants, items = [], [], []
        for n, pid in zip(ids, patient_ids, strict=False):
            municipality = places[n % len(places)]
            region = MUNICIPALITIES[municipality][1]
            orgs = {"region": region_org(region), "municipality": municipality_org(municipality)}
            stage = STAGES[n % len(STAGES)]
            pathways.append({"patient_id": pid, "version_id": version.id,
                             "status": "active", "stage": stage, "phase": stage.capitalize(),
                             "lock_version": 1, "region_org": orgs["region"],
                             "municipality_org": orgs["municipality"], "tovholder_org": orgs["region"],
                             "run_no": 1, "started_at": now, "updated_at": now})
        pathway_ids = session.scalars(insert(Pathway).returning(Pathway.id, sort_by_parameter_order=True),
                                      pathways).all()
        for n, pid, way in zip(ids, pathway_ids, pathways, strict=False):
            orgs = {"region": way["region_org"], "municipality": way["municipality_org"]}
            stage = way["stage"]
            participants += [{"pathway_id": pid, "org_code": code} for code in orgs.values()]
            for k, (lane, (role, side)) in enumerate(LANES.items()):
                items.append({"pathway_id": pid, "patient_id": way["patient_id"], "task_id": f"bulk-{pid}-{k}",
                              "task_spec": f"{stage}_{lane}", "title": f"Opgave {lane}",
                              "form_id": "audit", "kind": "wait" if (n + k) % 29 == 0 else "task",
                              "stage": stage, "phase": stage.capitalize(), "lane": lane,
                              "role": role, "org_code": orgs[side],
                              "due_at": now + timedelta(hours=(n * 7 + k * 13) % 2000 - 500),
                              "assignee": None if (n + k) % 5 else "bulk.user",
                              "created_at": now, "patient_name": f"Bulk Patient {n}"})
        session.execute(insert(PathwayParticipant), participants)
        session.execute(insert(WorklistItem), items)
    session.commit()
    return count
