"""One guarantee fact, four places: the patient page, the worklist, the quality figure and its CSV.

Pathways are built through the engine facade for every case the guarantee knows: met on day
14, breached on day 15, forwarded before and after the deadline, declined at visitation,
declined by the patient after enrolment, and an acute start (which has no guarantee).
Received 2 March 2026 → deadline 16 March.
"""
import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from engine import service
from engine.models import Pathway
from tests.web import pathway_setup as setup
from webui.extensions import db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DUE = date(2026, 3, 16)
FORWARD = {"visitation_decision": "videresendt", "forward_to": "Specialambulatorium",
           "forward_reason": "Bedre tilbud"}
DECLINE = {"visitation_decision": "afvist", "exclusion_reason": "ingen_mistanke_rus"}


def _day(n):
    return T0 + timedelta(days=n)


def _enrolled(cpr, name):
    pathway = setup.refer(cpr=cpr, name=name, received=T0.date(), now=T0)
    setup.complete(pathway.id, "visitation", {"visitation_decision": "inkluderet"}, now=T0)
    setup.complete(pathway.id, "indskrivning", setup.ENROL, now=T0)
    return pathway


def _treated_on(day):
    def build(cpr, name):
        pathway = _enrolled(cpr, name)
        setup.complete(pathway.id, "audit", now=_day(day))
        return pathway
    return build


def _visited_on(day, answers):
    def build(cpr, name):
        pathway = setup.refer(cpr=cpr, name=name, received=T0.date(), now=T0)
        setup.complete(pathway.id, "visitation", answers, now=_day(day))
        return pathway
    return build


def _declined_after_enrolment(cpr, name):
    pathway = _enrolled(cpr, name)
    service.record_patient_choice(db.session, pathway.id, "declined", _day(3).date(),
                                  "Vil ikke i behandling nu", "psyk.kbh", now=_day(3))
    db.session.commit()
    return pathway


def _acute(cpr, name):
    patient = service.register_patient(db.session, cpr, name, "K", "1970-01-01", "hovedstaden",
                                       "koebenhavn")
    data = {"patient_id": patient.id, "region": "hovedstaden", "municipality": "koebenhavn",
            "region_org": "region-hovedstaden", "municipality_org": "kommune-koebenhavn",
            "contacts": ["psykiatri", "akut"], "referrer": "Akutmodtagelsen",
            "received_at": T0.date().isoformat(), "sex": "K", "admission_reason": "andet"}
    pathway = service.start_pathway(db.session, patient.id, data, "psyk.kbh", now=T0)
    db.session.commit()
    return pathway


# case → (builder, how many, the status every place must show)
CASES = {
    "met_day_14": (_treated_on(14), 5, "met"),
    "breached_day_15": (_treated_on(15), 3, "breached"),
    "forwarded_after": (_visited_on(16, FORWARD), 2, "breached"),
    "forwarded_before": (_visited_on(5, FORWARD), 1, "lapsed"),
    "declined": (_visited_on(3, DECLINE), 1, "lapsed"),
    "declined_after_enrolment": (_declined_after_enrolment, 2, "waived"),
    "acute": (_acute, 1, None),
}
BADGE = {"met": "Overholdt", "breached": "Overskredet", "lapsed": "Bortfaldet",
         "waived": "Fravalgt af patienten", None: ""}
UNDECIDED = ("lapsed", "waived", None)


def _cpr(n):
    return f"0101{70 + n:02d}{1000 + n:04d}"


@pytest.fixture
def built(app, demo_users):
    """{case: [(pathway id, patient id)]}, every pathway built through the facade."""
    out, n = {}, 0
    with app.app_context():
        for case, (build, count, _status) in CASES.items():
            out[case] = []
            for _ in range(count):
                pathway = build(_cpr(n), f"Patient {case} {n}")
                out[case].append((pathway.id, pathway.patient_id))
                n += 1
    return out


def _worklist_marks(client):
    """{patient id: marked as breached} over every page of the worklist."""
    marks, page = {}, 1
    while True:
        body = client.get(f"/?page={page}").get_data(as_text=True)
        for row in body.split("<tr class=")[1:]:
            if "/patienter/" not in row:
                continue
            patient_id = int(row.split("/patienter/")[1].split('"')[0])
            marks[patient_id] = marks.get(patient_id, False) or "guarantee-breached" in row
        if 'rel="next"' not in body:
            return marks
        page += 1


def test_patient_page_worklist_quality_figure_and_csv_agree(app, client, auth, built):
    with app.app_context():
        stored = {pid: db.session.get(Pathway, pid) for rows in built.values() for pid, _ in rows}
        for case, rows in built.items():
            for pid, _ in rows:
                assert stored[pid].guarantee_status == CASES[case][2], case
        # every referral has the deadline; the acute start has none (nobody referred it)
        assert all((row.guarantee_due == DUE) is (row.guarantee_status is not None)
                   for row in stored.values())
        met_row = stored[built["met_day_14"][0][0]]
        assert met_row.guarantee_decided_on == DUE        # treated on the deadline itself
        late = stored[built["breached_day_15"][0][0]]
        assert late.guarantee_decided_on == DUE + timedelta(days=1)
        assert late.guarantee_breach_reason == "Behandlingen startede 2026-03-17, efter fristen 2026-03-16"

    auth.login("psyk.kbh")
    for case, rows in built.items():          # 1. the patient page
        for _pid, patient_id in rows:
            body = client.get(f"/patienter/{patient_id}").get_data(as_text=True)
            cell = body.split('id="guarantee"')[1].split("</dd>")[0]
            assert f'data-status="{CASES[case][2] or ""}"' in cell, case
            assert BADGE[CASES[case][2]] in cell and "Løber" not in cell, case
    late_page = client.get(f"/patienter/{built['breached_day_15'][0][1]}").get_data(as_text=True)
    assert "Behandlingen startede 17. mar. 2026, efter fristen 16. mar. 2026" in late_page

    marks = _worklist_marks(client)           # 2. the worklist: breach marks in Opstart
    for case in ("met_day_14", "breached_day_15", "declined_after_enrolment", "acute"):
        for _pid, patient_id in built[case]:
            assert marks[patient_id] is (CASES[case][2] == "breached"), case
    for case in ("forwarded_after", "forwarded_before", "declined"):   # ended: no rows
        assert all(patient_id not in marks for _pid, patient_id in built[case])
    auth.logout()

    met = sum(len(rows) for case, rows in built.items() if CASES[case][2] == "met")
    decided = sum(len(rows) for case, rows in built.items() if CASES[case][2] not in UNDECIDED)
    assert (met, decided) == (5, 10)
    auth.login("leder")                       # 3. the quality figure on the page
    page = client.get("/overblik/kvalitet").get_data(as_text=True)
    row = page.split('data-key="guarantee">', 1)[1].split("</tr>", 1)[0]
    assert f'data-col="numerator">{met}<' in row and f'data-col="denominator">{decided}<' in row
    assert "50.0" in row or "50,0" in row
    # 4. the CSV, whole and for March (the month the guarantee was decided in)
    for query in ("", "?fra=2026-03-01&til=2026-03-31"):
        text = client.get(f"/overblik/csv/indikatorer.csv{query}").get_data(as_text=True)
        rows = {r["key"]: r for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";")}
        assert (rows["guarantee"]["numerator"], rows["guarantee"]["denominator"]) == ("5", "10")
        assert float(rows["guarantee"]["value"]) == 50.0
    text = client.get("/overblik/csv/indikatorer.csv?fra=2026-02-01&til=2026-02-28").get_data(
        as_text=True)
    rows = {r["key"]: r for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";")}
    assert rows["guarantee"]["denominator"] == "0"
