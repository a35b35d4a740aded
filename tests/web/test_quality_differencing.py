"""The quality page, its CSV files and its chart data give away no count of 1–4 under any
combination of filters (docs/indicators.md, *Small numbers*).

A cohort with many small cells (0–5 pathways per municipality × group × tier × month, in two
regions with two municipalities each) is written straight into the tables the page reads:
pathways with a guarantee fact, runs (enrolment, Opstart, admissions), plans, screening,
experience answers, questionnaires, open overdue tasks and contact-hour stays. The test then
fetches every published count (the page's trend JSON and admissions, and every CSV of the
page) under every filter combination it tries, and runs the differencing attacks:

- a figure itself, and a denominator minus its numerator;
- parent minus child for every nested pair of filters (country ⊃ region ⊃ municipality,
  all groups ⊃ one group, all tiers ⊃ one tier, a period ⊃ a shorter one, all time ⊃ a period);
- a parent minus any set of its children (regions, municipalities, groups, tiers, a period cut
  in two), so a hidden sibling cannot be found from the others;
- an indicator's total against its months, and consecutive cumulative periods;
- a single day asks for its whole month.

Every derived number of 1–4 is a count an attacker would read off, and the test fails on any.
For the guarantee it also says how many of them are the true count (the fixture knows it).
"""
import csv
import io
import json
import random
import re
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from itertools import combinations

import pytest
from sqlalchemy import insert, select

from engine import service
from engine.clock import LOCAL_TZ
from engine.models import Pathway, PathwayRun, Patient, PhaseStay, TaskRecord, WorklistItem
from tests.web.pathway_setup import ensure_deployed
from webui.extensions import db
from webui.patient.models import Questionnaire

TODAY = date(2025, 6, 15)
PLACES = {"hovedstaden": ("koebenhavn", "frederiksberg"), "sjaelland": ("roskilde", "naestved")}
TIERS = ("lav", "moderat", "hoej", None)
MONTHS = ("2025-01", "2025-02", "2025-03", "2025-04")
CSVS = {"indikatorer": ("key",), "tendens": ("key", "month"), "faser": ("stage",),
        "overskredne": ("org", "lane"), "oplevelse": ("key",), "kontakttimer": ("unit", "tier")}
COUNTS = {"indikatorer": ("numerator", "denominator"), "tendens": ("numerator", "denominator"),
          "faser": ("stays",), "overskredne": ("count",), "oplevelse": ("answers",),
          "kontakttimer": ("stays", "ended", "over", "under")}
NOT_COUNTS = {"transitions": ("denominator",)}  # patient-years, not a count


def at(day, hour=10):
    """A Danish wall-clock time on a date, in UTC."""
    return datetime.combine(day, time(hour, 30), LOCAL_TZ).astimezone(UTC)


@pytest.fixture
def cohort(app, demo_users):
    """The small-celled cohort; returns {(municipality, group, tier, month): (met, decided)}."""
    app.config["DASHBOARD_TODAY"] = TODAY
    rnd = random.Random(2020)
    truth = defaultdict(lambda: [0, 0])
    with app.app_context():
        ensure_deployed()
        version = service.latest_version(db.session).id
        specs = []
        for region, municipalities in PLACES.items():
            for municipality in municipalities:
                for group in (1, 2, 3):
                    for tier in TIERS:
                        for m in range(1, len(MONTHS) + 1):
                            for _ in range(rnd.choice((0, 0, 1, 1, 2, 3, 4, 5))):
                                specs.append((region, municipality, group, tier, m))
        patients = [Patient(cpr=f"{1 + n % 28:02d}0185{n:04d}", name="Kohorte", sex="K",
                            birth_date=date(1985, 1, 1), region=s[0], municipality=s[1])
                    for n, s in enumerate(specs)]
        db.session.add_all(patients)
        db.session.flush()
        pathways, runs, records, tasks, stays, questionnaires = [], [], [], [], [], []
        for (region, municipality, group, tier, m), patient in zip(specs, patients, strict=True):
            referred = date(2025, m, rnd.randint(1, 26))
            due = referred + timedelta(days=14)
            lag = rnd.randint(2, 24)
            treated = referred + timedelta(days=lag) if rnd.random() < 0.85 else None
            status = "open" if treated is None else ("met" if lag <= 14 else "breached")
            decided = treated if status == "met" else (due + timedelta(days=1))
            if status != "open" or due < TODAY:
                truth[(municipality, group, tier, decided.strftime("%Y-%m"))][1] += 1
                truth[(municipality, group, tier, decided.strftime("%Y-%m"))][0] += status == "met"
            pathways.append(dict(
                patient_id=patient.id, version_id=version, status="active", stage="ustabil",
                region_org=f"region-{region}", municipality_org=f"kommune-{municipality}",
                group_no=group, complexity_tier=tier, started_at=at(referred),
                guarantee_due=due, treatment_started_at=at(treated) if treated else None,
                guarantee_status=status, guarantee_decided_on=None if status == "open" else decided,
                guarantee_breached=status == "breached",
                tovholder="tove" if rnd.random() < 0.7 else None,
                tovholder_org=rnd.choice(("region-hovedstaden", f"kommune-{municipality}")),
                run_no=1, lock_version=1, updated_at=at(referred),
                run_started_at=at(referred + timedelta(days=40))))
        ids = db.session.execute(insert(Pathway).returning(Pathway.id), pathways).scalars().all()
        for pathway_id, spec, patient, row in zip(ids, specs, patients, pathways, strict=True):
            referred = row["started_at"]
            enrolled = referred + timedelta(days=rnd.randint(1, 12))
            opstart_end = enrolled + timedelta(days=rnd.randint(5, 25))
            chain = [("henvisning", referred, enrolled, "opstart"),
                     ("opstart", enrolled, opstart_end, "ustabil")]
            if rnd.random() < 0.4:  # an admission, sometimes a readmission within 30 days
                out = opstart_end + timedelta(days=rnd.randint(3, 10))
                chain += [("ustabil", opstart_end, out, "indlagt"),
                          ("indlagt", out, out + timedelta(days=6), "ustabil")]
                if rnd.random() < 0.5:
                    back = out + timedelta(days=6 + rnd.randint(2, 20))
                    chain += [("ustabil", out + timedelta(days=6), back, "indlagt"),
                              ("indlagt", back, back + timedelta(days=4), "ustabil")]
            for run_no, (stage, start, end, nxt) in enumerate(chain, 1):
                runs.append(dict(pathway_id=pathway_id, run_no=run_no, stage=stage,
                                 version_id=pathways[0]["version_id"], started_at=start,
                                 ended_at=end, next_stage=nxt, data={}))
            forms = [f for f, p in (("audit", 0.8), ("dudit", 0.7), ("koordineret_plan", 0.6),
                                    ("patient_oplevelse", 0.5)) if rnd.random() < p]
            for form in forms:
                data = {k: str(rnd.randint(1, 5)) for k in ("pe_involved", "pe_coordinated",
                                                            "pe_understood", "pe_overall")} \
                    if form == "patient_oplevelse" else {}
                records.append(dict(pathway_id=pathway_id, run_no=2, stage="opstart",
                                    form_id=form, kind="task", actor="test", title=form,
                                    at=enrolled + timedelta(days=rnd.randint(1, 40)), data=data,
                                    version_id=pathways[0]["version_id"]))
            if rnd.random() < 0.5:
                tasks.append(dict(pathway_id=pathway_id, patient_id=patient.id,
                                  task_id=f"t{pathway_id}", task_spec="t", title="Opgave",
                                  kind="task", lane=rnd.choice(("psykiatri", "kommune")),
                                  org_code=f"kommune-{spec[1]}",
                                  due_at=at(TODAY - timedelta(days=rnd.randint(1, 60)))))
            stays.append(dict(pathway_id=pathway_id, stage="ustabil", start_run_no=3,
                              version_id=pathways[0]["version_id"], started_at=opstart_end,
                              ended_at=opstart_end + timedelta(days=30) if rnd.random() < 0.5
                              else None, minutes=rnd.randint(0, 3000), contacts=3))
            for _ in range(rnd.randint(0, 2)):
                sent = enrolled + timedelta(days=rnd.randint(1, 60))
                answered = sent + timedelta(days=1) if rnd.random() < 0.7 else None
                questionnaires.append(dict(
                    patient_id=patient.id, instrument="who5", requested_by="forløb",
                    requested_at=sent, answered_at=answered,
                    zone=rnd.choice(("green", "yellow", "red")) if answered else None))
        for model, rows in ((PathwayRun, runs), (TaskRecord, records), (WorklistItem, tasks),
                            (PhaseStay, stays), (Questionnaire, questionnaires)):
            db.session.execute(insert(model), rows)
        db.session.commit()
        assert db.session.scalar(select(db.func.count()).select_from(Pathway)) == len(specs)
    return {k: tuple(v) for k, v in truth.items()}


def number(text):
    """A shown count as an int ('25+' → 25), or None when nothing is shown ('<5', 'x', '')."""
    text = str(text).strip().rstrip("+")
    return int(text) if text.isdigit() else None


def _query(combo):
    place, group, tier, period = combo
    args = {}
    if place in PLACES:
        args["region"] = place
    elif place:
        args["municipality"] = place
    if group:
        args["group"] = group
    if tier:
        args["kompleksitet"] = tier
    if period:
        args["fra"], args["til"] = f"{period[0]}-01", f"{period[1]}-28"
    return "?" + "&".join(f"{k}={v}" for k, v in args.items()) if args else ""


def _csv_figures(client, query):
    """{figure: count} of every CSV file of the page."""
    out = {}
    for name, key in CSVS.items():
        text = client.get(f"/overblik/csv/{name}.csv{query}").get_data(as_text=True)
        for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"):
            for column in COUNTS[name]:
                if column not in NOT_COUNTS.get(row.get("key"), ()):
                    out[(name, *(row[k] for k in key), column)] = number(row[column])
    return out


def _rows(html, table, attrs):
    """(attribute values, {data-col: text}) of each row of a table on the page."""
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    for row in re.findall(r"<tr ([^>]*)>(.*?)</tr>", body, re.S):
        found = dict(re.findall(r'data-([a-z]+)="([^"]*)"', row[0]))
        if all(a in found for a in attrs):
            yield tuple(found[a] for a in attrs), dict(
                re.findall(r'data-col="([a-z]+)">\s*([^<]*?)\s*<', row[1]))


def _page_figures(client, query):
    """{figure: count} of everything the page and its chart JSON publish, named as in the CSV."""
    page, out = client.get(f"/overblik/kvalitet{query}").get_data(as_text=True), {}
    for table, name, attrs in (("indicators", "indikatorer", ("key",)),
                               ("phases", "faser", ("stage",)),
                               ("overdue", "overskredne", ("org", "lane")),
                               ("experience", "oplevelse", ("key",)),
                               ("hours", "kontakttimer", ("unit", "tier"))):
        for key, cells in _rows(page, table, attrs):
            for column in COUNTS[name]:
                if column in cells and column not in NOT_COUNTS.get(key[0], ()):
                    out[(name, *key, column)] = number(cells[column])
    trend = json.loads(page.split('id="trend-data">', 1)[1].split("</script>", 1)[0])
    for row in trend:
        for column in ("numerator", "denominator"):
            if column not in NOT_COUNTS.get(row["key"], ()):
                out[("tendens", row["key"], row["month"], column)] = number(row[column])
    admissions = page.split('id="admissions">', 1)[1].split("</p>", 1)[0]
    for column in ("admissions", "readmissions"):
        out[("page", column)] = number(admissions.split(f'data-col="{column}">', 1)[1]
                                       .split("<", 1)[0])
    return out


def _published(client, combo, with_csv):
    """{figure: count} of the page and its chart JSON, with denominator − numerator; with
    `with_csv`, every CSV file is fetched too and must publish the same figures."""
    query = _query(combo)
    out = _page_figures(client, query)
    if with_csv:
        from_csv = _csv_figures(client, query)
        shared = set(out) & set(from_csv)
        assert shared and all(out[f] == from_csv[f] for f in shared), combo
        out.update(from_csv)
    for figure in [f for f in out if f[0] in ("indikatorer", "tendens") and
                   f[-1] == "numerator" and f[1] not in ("transitions", "waits")]:
        num, den = out[figure], out.get((*figure[:-1], "denominator"))
        if num is not None and den is not None:
            out[(*figure[:-1], "den-num")] = den - num
    return out


def _periods():
    """All time and every whole-month interval of the cohort's months."""
    return [None] + [(MONTHS[i], MONTHS[j]) for i in range(len(MONTHS))
                     for j in range(i, len(MONTHS))]


def _combos():
    """Every place × group × tier over all time; periods for a slice of them."""
    places = [None, *PLACES, *(m for ms in PLACES.values() for m in ms)]
    out = {(p, g, t, None) for p in places for g in (None, 1, 2, 3) for t in (None, *TIERS[:3])}
    out |= {(p, g, t, period) for p in (None, "hovedstaden", "koebenhavn") for g in (None, 1)
            for t in (None, "lav") for period in _periods()}
    return sorted(out, key=repr)


def _parents(combo):
    """The combinations one filter step coarser than `combo` (nested parents)."""
    place, group, tier, period = combo
    region = next((r for r, ms in PLACES.items() if place in ms), None)
    out = []
    if place in PLACES:
        out.append((None, group, tier, period))
    elif place:
        out.append((region, group, tier, period))
    if group:
        out.append((place, None, tier, period))
    if tier:
        out.append((place, group, None, period))
    if period:
        out.append((place, group, tier, None))
        out += [(place, group, tier, p) for p in _periods()[1:]
                if p != period and p[0] <= period[0] and period[1] <= p[1]]
    return out


def _children(combo):
    """Sets of combinations that partition `combo` along one filter (siblings)."""
    place, group, tier, period = combo
    out = []
    if place is None:
        out.append([(r, group, tier, period) for r in PLACES])
    elif place in PLACES:
        out.append([(m, group, tier, period) for m in PLACES[place]])
    if group is None:
        out.append([(place, g, tier, period) for g in (1, 2, 3)])
    if tier is None:  # pathways without a tier are in no tier's view: part of the rest
        out.append([(place, group, t, period) for t in TIERS[:3]])
    if period:
        i, j = MONTHS.index(period[0]), MONTHS.index(period[1])
        out += [[(place, group, tier, (period[0], MONTHS[k])),
                 (place, group, tier, (MONTHS[k + 1], period[1]))] for k in range(i, j)]
    return out


def _true_guarantee(truth, combo):
    """(met, decided) of the guarantee for a combination, from the fixture's own records."""
    place, group, tier, period = combo
    met = decided = 0
    for (municipality, g, t, month), (n_met, n_decided) in truth.items():
        region = next(r for r, ms in PLACES.items() if municipality in ms)
        if place not in (None, municipality, region) or group not in (None, g) or \
                tier not in (None, t) or (period and not period[0] <= month <= period[1]):
            continue
        met, decided = met + n_met, decided + n_decided
    return met, decided


def _attacks(figures):
    """Every derived count of 1–4: (what, derived value, figure, combos)."""
    found = []

    def check(what, value, figure, combos):
        if value is not None and 0 < value < 5:
            found.append((what, value, figure, combos))

    for combo, published in figures.items():
        for figure, value in published.items():
            check("shown" if figure[-1] != "den-num" else "den − num", value, figure, (combo,))
        for parent in _parents(combo):
            for figure, value in published.items():
                if figure[-1] != "den-num" and parent in figures:
                    other = figures[parent].get(figure)
                    if other is not None and value is not None:
                        check("parent − child", other - value, figure, (parent, combo))
        for siblings in _children(combo):
            if not all(s in figures for s in siblings):
                continue
            for figure, value in published.items():
                if value is None or figure[-1] == "den-num":
                    continue
                parts = [figures[s].get(figure) for s in siblings]
                for k in range(1, len(parts) + 1):
                    for chosen in combinations(parts, k):
                        if None not in chosen:
                            check("parent − children", value - sum(chosen), figure,
                                  (combo, *siblings))
        totals = {f: v for f, v in published.items() if f[0] == "indikatorer"}
        for (_name, key, column), total in totals.items():
            months = [v for f, v in published.items()
                      if f[0] == "tendens" and f[1] == key and f[3] == column]
            if total is not None and column != "den-num":
                check("total − months", total - sum(v or 0 for v in months),
                      ("indikatorer", key, column), (combo,))
    return found


def test_no_count_of_1_to_4_can_be_recovered(auth, client, cohort):
    auth.login("leder")
    combos = _combos()
    figures = {combo: _published(client, combo, combo[3] is None and combo[2] is None)
               for combo in combos}
    assert any(v for f, v in figures[(None, None, None, None)].items()
               if f[:2] == ("indikatorer", "guarantee"))  # the page shows something
    found = _attacks(figures)
    exact = [f for f in found if f[2][:2] == ("indikatorer", "guarantee") and
             f[0] in ("parent − child",) and f[2][2] in ("numerator", "denominator") and
             f[1] == _exact_difference(cohort, f)]
    kinds = Counter((f[0], f[2][0]) for f in found)
    assert not found, (f"{len(found)} counts of 1–4 derived ({len(exact)} of them the true "
                       f"guarantee count); by attack and table {dict(kinds)}; e.g. {found[:3]}")


def _exact_difference(truth, attack):
    """The true difference behind a parent − child attack on the guarantee."""
    _what, _value, figure, (parent, child) = attack
    column = 0 if figure[2] == "numerator" else 1
    return _true_guarantee(truth, parent)[column] - _true_guarantee(truth, child)[column]


def test_a_single_day_asks_for_its_whole_month(auth, client, cohort):
    auth.login("leder")
    for name in ("indikatorer", "tendens"):
        month = client.get(f"/overblik/csv/{name}.csv?fra=2025-02-01&til=2025-02-28").data
        for day in (1, 10, 28):
            one = client.get(f"/overblik/csv/{name}.csv?fra=2025-02-{day:02d}&til=2025-02-{day:02d}")
            assert one.data == month


def _rounded_cells(cells):
    """The documented rounding (docs/indicators.md), written out again for the check: cells in
    order of (month, region, municipality, group, tier), each part as text, empty first; the
    running total rounded to the nearest multiple of 5 (0–2 down, 3–4 up); each cell gets its
    step."""
    out, total, shown = {}, 0, 0
    for key in sorted(cells, key=lambda k: tuple("" if p is None else str(p) for p in k)):
        total += cells[key]
        target = 5 * ((total + 2) // 5)
        out[key], shown = target - shown, target
    return out


def test_the_guarantee_is_reproduced_from_sql_and_close_to_the_truth(app, auth, client, cohort):
    """Independent SQL plus the documented rounding gives the page's guarantee figures, and a
    figure over one run of cells (the country, all time or one month) is within 2 or 4."""
    with app.app_context():
        rows = db.session.execute(select(
            Pathway.region_org, Pathway.municipality_org, Pathway.group_no,
            Pathway.complexity_tier, Pathway.guarantee_status, Pathway.guarantee_decided_on,
            Pathway.guarantee_due)).all()
    hits, misses = defaultdict(int), defaultdict(int)
    for region, municipality, group, tier, status, decided, due in rows:
        if status == "open" and due < TODAY:   # read as breached on the day after the deadline
            status, decided = "breached", due + timedelta(days=1)
        if status in ("met", "breached"):
            key = (decided.strftime("%Y-%m"), region, municipality, group, tier)
            (hits if status == "met" else misses)[key] += 1
    hits_r, misses_r = _rounded_cells(hits), _rounded_cells(misses)
    auth.login("leder")
    for query, pick in (("", lambda k: True),
                        ("?region=sjaelland&group=2", lambda k: k[1] == "region-sjaelland"
                         and k[3] == 2),
                        ("?kompleksitet=lav&fra=2025-02-01&til=2025-03-31",
                         lambda k: k[4] == "lav" and "2025-02" <= k[0] <= "2025-03")):
        row = {r["key"]: r for r in csv.DictReader(io.StringIO(client.get(
            f"/overblik/csv/indikatorer.csv{query}").get_data(as_text=True).lstrip("\ufeff")),
            delimiter=";")}["guarantee"]
        num = sum(n for k, n in hits_r.items() if pick(k))
        den = num + sum(n for k, n in misses_r.items() if pick(k))
        assert (int(row["numerator"]), int(row["denominator"])) == (num, den), query
    truth_num, truth_den = sum(hits.values()), sum(hits.values()) + sum(misses.values())
    country = {r["key"]: r for r in _csv_rows(client, "indikatorer", "")}["guarantee"]
    assert abs(int(country["numerator"]) - truth_num) <= 2
    assert abs(int(country["denominator"]) - truth_den) <= 4  # two rounded counts
    for r in _csv_rows(client, "tendens", ""):
        if r["key"] == "guarantee":
            month_num = sum(n for k, n in hits.items() if k[0] == r["month"])
            assert abs(int(r["numerator"]) - month_num) <= 4, r


def _csv_rows(client, name, query):
    text = client.get(f"/overblik/csv/{name}.csv{query}").get_data(as_text=True)
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
