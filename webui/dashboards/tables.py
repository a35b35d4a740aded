"""The dashboards' tables as rows of display values, with small counts suppressed.

The same rows feed the HTML page, the CSV download and the charts, so the suppression rule
is applied in one place: every total is the sum of the published monthly cells
(webui/dashboards/suppression.py), so no total minus a month gives a hidden count.
"""
from statistics import median

from flask_babel import gettext as _

from webui.common.phases import STAGE_LABELS
from webui.dashboards import suppression as sup
from webui.dashboards.filters import count, is_small, share
from webui.dashboards.quality import EXPERIENCE_ITEMS, STAGE_ORDER, percentile

HIDDEN = "x"  # a count of 5 or more hidden so that a count of 1–4 cannot be derived


def _labels():
    """Indicator key → label (translated at request time)."""
    return {
        "guarantee": _("14-dages behandlingsgaranti overholdt"),
        "waits": _("Dage fra henvisning til behandlingsstart"),
        "plan": _("Koordineret plan inden for 30 dage"),
        "screening": _("AUDIT og DUDIT udført i Opstart"),
        "tovholder": _("Forløb med tovholder"),
        "transitions": _("Skift Ustabil⇄Stabil pr. patientår"),
        "readmissions": _("Genindlæggelser inden for 30 dage"),
        "experience": _("Patientoplevelse: samlet vurdering 4–5"),
        "response": _("Svarprocent for spørgeskemaer hjemmefra"),
        "without_visit": _("Svar hjemmefra uden behov for opfølgning (grøn)"),
    }


def marked(n, left_out):
    """A total as shown: with '+' when months of 1–4 were left out of it (docs/indicators.md)."""
    return f"{count(n)}+" if left_out else count(n)


def _ratio_row(key, ratio, whole=False):
    num, den, left_out = sup.ratio_total(ratio.months, (ratio.num, ratio.den) if whole else None)
    return {"key": key, "numerator": marked(num, left_out), "denominator": marked(den, left_out),
            "value": share(num, den), "unit": "%"}


def _hidden(n):
    """A count of a left-out month: '<5' when it is 1–4, else the secondary mark."""
    return count(n) if not n or is_small(n) else HIDDEN


def _ratio_trend(key, label, ratio):
    """Month rows of a ratio; a left-out month shows no count that could be subtracted."""
    shown, rows = sup.ratio_months(ratio.months), []
    for month, (num, den) in sorted(ratio.months.items()):
        if month in shown:
            rows.append({"key": key, "label": label, "month": month, "numerator": count(num),
                         "denominator": count(den), "value": share(num, den)})
        else:
            rows.append({"key": key, "label": label, "month": month, "numerator": _hidden(num),
                         "denominator": _hidden(den), "value": None})
    return rows


def _values(values):
    """All values of the published months of a Values."""
    return [v for month in sup.values_months(values.months).values() for v in month]


def _values_summary(values):
    """(n, median, p90) with the figures hidden when fewer than 5 values lie behind them."""
    if not values or is_small(len(values)):
        return count(len(values)), None, None
    return len(values), round(median(values), 1), round(percentile(values, 90), 1)


def _per_year(transitions, days):
    """Transitions per patient-year, or None when the count is small or there is no time."""
    if not days or is_small(transitions):
        return None
    return round(transitions / (days / 365.25), 2)


def indicators(result) -> list[dict]:
    """One row per indicator: label, numerator, denominator, value and unit."""
    labels = _labels()
    whole = result.get("whole", False)
    rows = [_ratio_row("guarantee", result["guarantee"], whole)]
    n, mid, p90 = _values_summary(_values(result["waits"]))
    rows.append({"key": "waits", "numerator": "", "denominator": n, "value": mid,
                 "p90": p90, "unit": _("dage (median)")})
    rows += [_ratio_row(k, result[k], whole) for k in ("plan", "screening", "tovholder")]
    moves = sum(sup.count_months(result["transitions"]).values())
    days = sum(result["patient_days"].values())
    rows.append({"key": "transitions", "numerator": count(moves),
                 "denominator": round(days / 365.25, 1), "value": _per_year(moves, days),
                 "unit": _("pr. patientår")})
    rows.append(_ratio_row("readmissions", result["admissions"], whole))
    rows.append(_ratio_row("experience", result["experience"]["positive"], whole))
    rows += [_ratio_row(k, result[k], whole) for k in ("response", "without_visit") if k in result]
    for row in rows:
        row["label"] = labels[row["key"]]
        row.setdefault("p90", None)
    return rows


def trend(result) -> list[dict]:
    """Indicator × month: numerator, denominator and value, for every indicator with a trend."""
    labels, rows = _labels(), []
    for key in ("guarantee", "plan", "screening", "tovholder"):
        rows += _ratio_trend(key, labels[key], result[key])
    for label, values in sorted(result["waits"].months.items()):
        n, mid, _p90 = _values_summary(values)
        rows.append({"key": "waits", "label": labels["waits"], "month": label, "numerator": "",
                     "denominator": n, "value": mid})
    months = sorted(set(result["transitions"]) | set(result["patient_days"]))
    for label in months:
        moves, days = result["transitions"].get(label, 0), result["patient_days"].get(label, 0.0)
        rows.append({"key": "transitions", "label": labels["transitions"], "month": label,
                     "numerator": count(moves), "denominator": round(days / 365.25, 2),
                     "value": _per_year(moves, days)})
    rows += _ratio_trend("readmissions", labels["readmissions"], result["admissions"])
    for stage in STAGE_ORDER:
        stays = result["stays"].get(stage)
        for label, values in sorted(stays.months.items()) if stays else ():
            n, mid, _p90 = _values_summary(values)
            rows.append({"key": f"phase:{stage}", "month": label, "numerator": "",
                         "label": _("Dage i fasen %(phase)s (median)", phase=STAGE_LABELS[stage]),
                         "denominator": n, "value": mid})
    rows += _ratio_trend("experience", labels["experience"], result["experience"]["positive"])
    for key in ("response", "without_visit"):
        if key in result:
            rows += _ratio_trend(key, labels[key], result[key])
    return rows


def phases(result) -> list[dict]:
    """Per phase: finished stays, median and p90 days."""
    rows = []
    for stage in STAGE_ORDER:
        n, mid, p90 = _values_summary(_values(result["stays"][stage]) if stage in result["stays"]
                                      else [])
        rows.append({"stage": stage, "label": STAGE_LABELS.get(stage, stage), "stays": n,
                     "median": mid, "p90": p90})
    return rows


def admissions(result) -> dict:
    """Admissions and readmissions within 30 days."""
    num, den, _left_out = sup.ratio_total(result["admissions"].months)
    return {"admissions": count(den), "readmissions": count(num), "share": share(num, den)}


def experience(result) -> list[dict]:
    """Per experience item: answers and mean (1–5)."""
    labels = {"pe_involved": _("Jeg var med til at beslutte min behandling"),
              "pe_coordinated": _("Psykiatrien og kommunen arbejdede sammen om mig"),
              "pe_understood": _("Jeg blev mødt med forståelse"),
              "pe_overall": _("Samlet vurdering af forløbet")}
    rows = []
    for key in EXPERIENCE_ITEMS:
        items = result["experience"]["items"]
        values = _values(items[key]) if key in items else []
        shown = len(values) and not is_small(len(values))
        rows.append({"key": key, "label": labels[key], "answers": count(len(values)),
                     "mean": round(sum(values) / len(values), 2) if shown else None})
    return rows


def overdue(rows, names) -> list[dict]:
    """Overdue open tasks per organisation and lane."""
    return [{"org": org, "name": names.get(org, org), "lane": lane or "", "count": count(n)}
            for org, lane, n in rows]


def phase_in(rows) -> list[dict]:
    """The phase-in table with counts suppressed."""
    out = []
    for row in rows:
        row = dict(row)
        left_out = row.pop("left_out", set())
        for key in ("referred", "waiting", "active", "ended"):
            row[key] = marked(row[key], key in left_out)
        out.append(row)
    return out
