"""Every indicator and filter of the dashboards against the hand-made data set (dashboard_data).

Hand-computed figures (today 2025-06-30; A–E as in tests/web/dashboard_data.py):
- guarantee (first treatment contact, not enrolment): A kept (AUDIT 01-12 ≤ due 01-15, decided
  01-12), B breached (AUDIT 02-22 > 02-15, decided 02-16), C untreated and past due 03-15
  (decided 03-16); D not yet due; E ended before its deadline (lapsed) → 1 of 3.
- days to treatment: A 11, B 21 → median 16, p90 (nearest rank) 21.
- coordinated plan within 30 days: A 01-20 ≤ 02-09 → yes; B first plan 04-15 > 03-22 → no.
- AUDIT and DUDIT in Opstart: only A completed Opstart (B left it for admissions) → 1 of 1.
- tovholder: A yes, B no → 1 of 2.
- Ustabil⇄Stabil: A 03-11 and 04-10 → 2 moves over 30 + 30 + 81 (A now) + 90 (B now) = 231 days.
- admissions: B 03-02 and 03-20, the second 8 days after discharge 03-12 → 2, 1 readmission.
- stays: henvisning 9, 19, 4; opstart 30, 10, 8; ustabil 30; stabil 30; indlagt 10, 12.
- experience: overall 5 and 2 → 1 of 2 positive; item means 2.5, 2.5, 4, 3.5.
- overdue now: hovedstaden psykiatri 2 (A, B), sjaelland psykiatri 1 (C).
"""
import csv
import io
from datetime import UTC, date, datetime

import pytest

from engine.models import AuditEntry, Pathway
from tests.web import dashboard_data
from webui.dashboards import _dates, measures, phase_in, quality, rounding, tables
from webui.dashboards import filters as flt
from webui.demo.seed import seed_organisations
from webui.extensions import db
from webui.models import Organisation


@pytest.fixture
def figures(app):
    """The data set for the figures alone: reference organisations, no logins, no deploy."""
    app.config["DASHBOARD_TODAY"] = dashboard_data.TODAY
    with app.app_context():
        seed_organisations()
        return dashboard_data.load(deploy=False)


@pytest.fixture
def data(app, demo_users):
    """The data set with the pathway deployed (its phase-in DMN) and the demo logins."""
    app.config["DASHBOARD_TODAY"] = dashboard_data.TODAY
    with app.app_context():
        return dashboard_data.load()


def compute(app, **kw):
    with app.test_request_context():
        return quality.compute(flt.Filters(**kw), dashboard_data.TODAY)


def ratio(r):
    return (r.num, r.den)


def test_every_indicator_unfiltered(app, figures):
    r = compute(app)
    assert ratio(r["guarantee"]) == (1, 3)
    assert sorted(r["waits"].all) == [11, 21]
    assert measures.percentile(r["waits"].all, 90) == 21
    assert ratio(r["plan"]) == (1, 2)
    assert ratio(r["screening"]) == (1, 1)
    assert ratio(r["tovholder"]) == (1, 2)
    assert sum(r["transitions"].values()) == 2
    assert sum(r["patient_days"].values()) == pytest.approx(231)
    assert ratio(r["admissions"]) == (1, 2)
    stays = {stage: sorted(v.all) for stage, v in r["stays"].items()}
    assert stays == {"henvisning": [4, 9, 19], "opstart": [8, 10, 30], "ustabil": [30],
                     "stabil": [30], "indlagt": [10, 12]}
    exp = r["experience"]
    assert ratio(exp["positive"]) == (1, 2)
    assert {k: sum(v.all) / len(v.all) for k, v in exp["items"].items()} == {
        "pe_involved": 2.5, "pe_coordinated": 2.5, "pe_understood": 4, "pe_overall": 3.5}
    # monthly trends, by each indicator's index date
    assert dict(r["guarantee"].months) == {"2025-01": [1, 1], "2025-02": [0, 1], "2025-03": [0, 1]}
    assert dict(r["plan"].months) == {"2025-01": [1, 1], "2025-03": [0, 1]}
    assert dict(r["transitions"]) == {"2025-03": 1, "2025-04": 1}
    # patient-days per month: Feb 20 (A, 02-09 to 03-01); Mar 31 (A); Apr 30 (A) + 30 (B);
    # May 31 x2; Jun 29 x2 (up to today's midnight) → 231 in all
    assert dict(r["patient_days"]) == pytest.approx(
        {"2025-02": 20, "2025-03": 31, "2025-04": 60, "2025-05": 62, "2025-06": 58})
    assert dict(r["admissions"].months) == {"2025-03": [1, 2]}
    assert dict(r["stays"]["opstart"].months) == {"2025-02": [30], "2025-03": [10, 8]}
    with app.test_request_context():
        trend = {(row["key"], row["month"]): row
                 for row in tables.trend(tables.Published(r), lambda key: True)}
        # met: A alone (January), running total 1 → 0; breached: B, C → running 1, 2 → 0, 0
        assert (trend[("guarantee", "2025-01")]["numerator"],
                trend[("guarantee", "2025-03")]["denominator"]) == (0, 0)
        assert rounding.sequence({("2025-01",): 1, ("2025-02",): 1, ("2025-03",): 1}) == {
            ("2025-01",): 0, ("2025-02",): 0, ("2025-03",): 5}  # 1, 2, 3 → 0, 0, 5
        assert trend[("phase:opstart", "2025-03")]["value"] is None  # 2 stays: no median shown


def test_region_municipality_and_group_filters(app, figures):
    assert ratio(compute(app, region="hovedstaden")["guarantee"]) == (1, 2)
    assert ratio(compute(app, region="sjaelland")["guarantee"]) == (0, 1)
    kbh = compute(app, municipality="koebenhavn")
    assert ratio(kbh["guarantee"]) == (1, 1) and kbh["waits"].all == [11]
    g2 = compute(app, group=2)
    assert ratio(g2["guarantee"]) == (0, 1) and ratio(g2["admissions"]) == (1, 2)
    assert ratio(g2["screening"]) == (0, 0) and ratio(g2["experience"]["positive"]) == (0, 1)
    with app.test_request_context():
        def per_org(filters):  # the raw counts, summed over the publication cells
            out = {}
            for org, lane, _cell, n in quality.overdue(filters, quality_now()):
                out[(org, lane)] = out.get((org, lane), 0) + n
            return out
        assert per_org(flt.Filters()) == {("region-hovedstaden", "psykiatri"): 2,
                                          ("region-sjaelland", "psykiatri"): 1}
        assert per_org(flt.Filters(group=2)) == {("region-hovedstaden", "psykiatri"): 1}


def quality_now():
    return datetime(2025, 6, 30, tzinfo=UTC)


def test_period_filter_uses_each_indicators_index_date(app, figures):
    r = compute(app, date_from=date(2025, 2, 1), date_to=date(2025, 3, 31))
    assert ratio(r["guarantee"]) == (0, 2)     # B (02-16) and C (03-16); A's 01-12 is outside
    assert ratio(r["plan"]) == (0, 1)          # B's deadline 03-22
    assert ratio(r["admissions"]) == (1, 2)
    assert sum(r["transitions"].values()) == 1  # 03-11 in, 04-10 out
    assert sum(r["patient_days"].values()) == pytest.approx(30 + 21)
    assert r["waits"].all == [21]              # B treated 02-22


def test_phase_in_table_and_target_line(app, data):
    with app.test_request_context():
        dates = _dates()
        assert dates[("hovedstaden", 1)] == date(2024, 9, 1)  # read from the deployed DMN
        rows = {(r["org"], r["group"]): r for r in phase_in.table(flt.Filters(), dates,
                                                                   dashboard_data.TODAY)}
        # the raw cells (Danish month, region, municipality, group, tier) per state
        hovedstaden, kbh = "region-hovedstaden", "kommune-koebenhavn"
        assert phase_in._cells() == {
            "waiting": {("2025-05", hovedstaden, kbh, 3, None): 1},
            "active": {("2025-01", hovedstaden, kbh, 1, None): 1,
                       ("2025-02", hovedstaden, "kommune-frederiksberg", 2, None): 1,
                       ("2025-03", "region-sjaelland", "kommune-roskilde", 1, None): 1},
            "ended": {("2024-11", hovedstaden, kbh, 1, None): 1}}
        # each state rounded along the order: the active running total 1, 2, 3 rounds to
        # 0, 0, 5, so Roskilde's cell carries 5 and the others 0 (rounding.py)
        g1 = rows[("region-hovedstaden", 1)]
        assert (g1["referred"], g1["waiting"], g1["active"], g1["ended"]) == (0, 0, 0, 0)
        assert g1["expected"] == 1472 and g1["status"] == "open" and g1["days"] == 302
        assert g1["expected_now"] == round(1472 * 302 / 1216)
        g3 = rows[("region-hovedstaden", 3)]
        assert (g3["referred"], g3["status"], g3["days"]) == (0, "opens", 366)
        sj = rows[("region-sjaelland", 1)]
        assert (sj["referred"], sj["waiting"], sj["active"], sj["ended"]) == (5, 0, 5, 0)
        assert rows[("region-nordjylland", 2)]["referred"] == 0
        munis = {(r["org"], r["group"]): r["referred"] for r in phase_in.table(
            flt.Filters(region="sjaelland"), dates, dashboard_data.TODAY) if r["referred"]}
        assert munis == {("kommune-roskilde", 1): 5}
        chart = phase_in.enrolment(flt.Filters(), dates, dashboard_data.TODAY)
        g1_series = chart["series"][0]
        month = chart["labels"].index("2024-12")
        assert g1_series["target"][month] == round(4600 * 121 / 1216)
        assert g1_series["actual"][month] == 0  # one referral so far: it rounds to 0
        assert g1_series["actual"][chart["labels"].index("2025-03")] == 5


def test_pages_suppress_small_counts_and_csv_applies_filters(auth, client, app, data):
    auth.login("leder")
    page = client.get("/overblik/kvalitet").get_data(as_text=True)
    assert 'data-key="guarantee"' in page and "Testperson" not in page
    guarantee = page.split('data-key="guarantee">', 1)[1].split("</tr>", 1)[0]
    # 1 of 3: 1 met rounds to 0, 2 breached round to 0 (rounding.py), so there is no rate
    assert guarantee.count(">0<") == 2 and "–" in guarantee
    response = client.get("/overblik/csv/indikatorer.csv?region=sjaelland")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")),
                           delimiter=";"))
    by_key = {row[0]: row for row in rows[1:]}
    assert by_key["guarantee"][2:5] == ["0", "0", ""]  # 0 of 1 in Sjælland: rounds to 0
    phase = client.get("/overblik/csv/indfasning.csv?region=hovedstaden&group=1")
    lines = phase.get_data(as_text=True).lstrip("\ufeff").splitlines()
    kbh = [line for line in lines if line.startswith("kommune-koebenhavn;")]
    assert len(lines) == 1 + 29 and kbh[0].split(";")[6] == "0"  # 1 and 1 round to 0
    assert client.get("/overblik/csv/ukendt.csv").status_code == 404
    solo = client.get("/overblik/csv/indfasning.csv?municipality=frederiksberg&group=2")
    solo_rows = solo.get_data(as_text=True).lstrip("\ufeff").splitlines()[1:]
    assert [r.split(";")[:3] + [r.split(";")[6]] for r in solo_rows] == [
        ["kommune-frederiksberg", "Frederiksberg", "2", "0"]]  # implies Hovedstaden
    assert client.get("/overblik/?region=atlantis").status_code == 400
    assert client.get("/overblik/kvalitet?fra=2025-13-01").status_code == 400
    with app.app_context():
        actions = [a.action for a in db.session.query(AuditEntry).order_by(AuditEntry.id)]
        assert actions.count("export_dashboard") == 3 and "view_dashboard" in actions


def test_counts_of_five_or_more_are_shown(auth, client, app, data):
    with app.app_context():  # five more group-1 referrals in København in June: that month shows
        template = db.session.get(Pathway, data["E"])
        for _ in range(5):
            db.session.add(Pathway(patient_id=template.patient_id, version_id=template.version_id,
                                   status="ended", stage="henvisning", group_no=1,
                                   region_org="region-hovedstaden",
                                   municipality_org="kommune-koebenhavn",
                                   started_at=dashboard_data.at("2025-06-01")))
        db.session.commit()
    auth.login("admin")
    page = client.get("/overblik/").get_data(as_text=True)
    row = page.split('data-org="region-hovedstaden" data-group="1">', 1)[1].split("</tr>", 1)[0]
    # ended in order: November (E) 1 → 0, June 5 more → running 6 → 5; active: January (A)
    # 1 → 0 (each state's cells rounded along the order, rounding.py)
    assert 'data-col="referred">5<' in row and 'data-col="ended">5<' in row
    assert 'data-col="active">0<' in row and 'data-col="waiting">0<' in row


def test_clinicians_and_process_owners_get_403(auth, client):
    for username in ("psyk.kbh", "rus.kbh", "tovholder.kbh", "ejer"):
        auth.login(username)
        for url in ("/overblik/", "/overblik/kvalitet", "/overblik/csv/indikatorer.csv"):
            assert client.get(url).status_code == 403, (username, url)
        auth.logout()


def test_csv_neutralises_formulas_and_is_not_stored(auth, client, app, data):
    with app.app_context():  # an administrator named the organisation like a formula
        org = db.session.get(Organisation, "region-hovedstaden")
        org.name = org.short_name = '=HYPERLINK("http://x","y")'
        db.session.commit()
    auth.login("leder")
    response = client.get("/overblik/csv/overskredne.csv")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")),
                           delimiter=";"))
    names = [row[1] for row in rows[1:]]
    assert "'=HYPERLINK(\"http://x\",\"y\")" in names, names
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)
