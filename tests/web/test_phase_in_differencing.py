"""The phase-in page (`/overblik/`), its CSV files and its chart data give away no count of 1–4
under any combination of its filters: place, group, complexity tier and period, single days
included (docs/indicators.md, *Small numbers*).

The cohort is the quality test's: 0–5 pathways per municipality × group × tier × month, so
many cells hold 1–4 referrals. For every filter combination the test reads the table
(`indfasning.csv`: referred, waiting, active, ended per place × group, and their sum per group),
the curve (`tilgang.csv`: referrals per month and cumulative; the page's chart JSON must say
the same) and runs the attacks of the quality test (a figure itself, parent − child, parent −
any set of children, a period cut in two), plus those inside one view: referred minus its
parts, one month of the curve against another and against the cumulative curve. A single day
is tried against every period around it.
"""
import csv
import io
import json
from datetime import date

from tests.web.test_quality_differencing import (  # noqa: F401 (cohort: a fixture)
    MONTHS,
    PLACES,
    TIERS,
    _attacks,
    _children,
    _parents,
    _periods,
    _query,
    cohort,
    number,
)

STATES = ("referred", "waiting", "active", "ended")
DAYS = (date(2025, 1, 1), date(2025, 2, 14), date(2025, 3, 31), date(2025, 4, 30))


def _csv(client, name, query):
    text = client.get(f"/overblik/csv/{name}.csv{query}").get_data(as_text=True)
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))


def _figures(client, query):
    """{figure: count} of the table, its per-group sums and the curve, with the differences
    one view gives on its own (a row minus its parts, month minus month of the curve)."""
    out = {}
    for row in _csv(client, "indfasning", query):
        values = {k: number(row[k]) for k in STATES}
        assert all(row[k] == "" or values[k] is not None for k in STATES), row  # nothing hidden
        for k, v in values.items():
            out[("row", row["org"], row["group"], k)] = v
            total = ("sum", row["group"], k)
            out[total] = (out.get(total) or 0) + (v or 0)
        out[("row", row["org"], row["group"], "referred−parts")] = \
            values["referred"] - sum(values[k] or 0 for k in STATES[1:])
    curve = _csv(client, "tilgang", query)
    page = client.get(f"/overblik/{query}").get_data(as_text=True)
    chart = json.loads(page.split('id="enrolment-data">', 1)[1].split("</script>", 1)[0])
    for series in chart["series"]:
        mine = [r for r in curve if r["group"] == str(series["group"])]
        assert [number(r["referred"]) for r in mine] == series["monthly"]
        assert [number(r["cumulative"]) for r in mine] == series["actual"]
        shown = [(r["month"], number(r["referred"]), number(r["cumulative"])) for r in mine
                 if r["cumulative"] != ""]
        for i, (month, monthly, cumulative) in enumerate(shown):
            out[("curve", series["group"], month, "monthly")] = monthly
            out[("curve", series["group"], month, "cumulative")] = cumulative
            for earlier, _monthly, c_before in shown[:i]:
                out[("curve", series["group"], f"{earlier}..{month}", "cumulative−cumulative")] = \
                    cumulative - c_before
            if i:
                out[("curve", series["group"], month, "step−monthly")] = \
                    cumulative - shown[i - 1][2] - monthly
    return out


def _combos():
    """Every place × group × tier over all time; whole-month periods for a slice of them."""
    places = [None, *PLACES, *(m for ms in PLACES.values() for m in ms)]
    out = {(p, g, t, None) for p in places for g in (None, 2) for t in (None, *TIERS[:3])}
    out |= {(p, g, t, period) for p in (None, "hovedstaden", "koebenhavn") for g in (None,)
            for t in (None, "lav", "hoej") for period in _periods()}
    return sorted(out, key=repr)


def test_no_count_of_1_to_4_is_recovered_on_phase_in(auth, client, cohort):  # noqa: F811
    auth.login("leder")
    figures = {combo: _figures(client, _query(combo)) for combo in _combos()}
    whole = figures[(None, None, None, None)]
    assert any(v for f, v in whole.items() if f[0] == "row" and f[3] == "referred")
    found = _attacks(figures)
    # a single day is widened to its month: the same figures, and nothing small against any
    # period around it (the parents of that month)
    for day in DAYS:
        month = f"{day:%Y-%m}"
        for tier in (None, "lav"):
            query = _query((None, None, tier, None))
            query = (query + "&" if query else "?") + f"fra={day}&til={day}"
            one_day = _figures(client, query)
            assert one_day == figures[(None, None, tier, (month, month))]
            for parent in [(None, None, tier, None)] + [
                    (None, None, tier, p) for p in _periods()[1:] if p[0] <= month <= p[1]]:
                for figure, value in one_day.items():
                    other = figures[parent].get(figure)
                    if value is not None and other is not None and 0 < other - value < 5:
                        found.append(("day", other - value, figure, (parent, day)))
    small = found
    by_attack: dict = {}
    for what, *_rest in small:
        by_attack[what] = by_attack.get(what, 0) + 1
    assert not small, f"{len(small)} counts of 1–4 derived; by attack {by_attack}; e.g. {small[:3]}"


def test_every_phase_in_count_is_a_multiple_of_5(auth, client, cohort):  # noqa: F811
    """The published counts are sums of cells rounded to 5 (rounding.py), under any tier."""
    auth.login("leder")
    for tier in (None, *TIERS[:3]):
        for value in _figures(client, _query((None, None, tier, None))).values():
            assert value is None or value % 5 == 0, (tier, value)
    assert MONTHS  # the cohort's months are 2025-01 … 2025-04
