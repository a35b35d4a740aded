"""The dashboards' tables as rows of display values, with small counts suppressed.

The same rows feed the HTML page, the CSV download and the charts, so the suppression rule
is applied in one place.
"""
from statistics import median

from flask_babel import gettext as _

from webui.common.phases import STAGE_LABELS
from webui.dashboards.filters import count, is_small, share
from webui.dashboards.quality import EXPERIENCE_ITEMS, STAGE_ORDER, percentile


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
    }


def _ratio_row(key, ratio):
    return {"key": key, "numerator": count(ratio.num), "denominator": count(ratio.den),
            "value": share(ratio.num, ratio.den), "unit": "%"}


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
    rows = [_ratio_row("guarantee", result["guarantee"])]
    n, mid, p90 = _values_summary(result["waits"].all)
    rows.append({"key": "waits", "numerator": "", "denominator": n, "value": mid,
                 "p90": p90, "unit": _("dage (median)")})
    rows += [_ratio_row(k, result[k]) for k in ("plan", "screening", "tovholder")]
    moves, days = sum(result["transitions"].values()), sum(result["patient_days"].values())
    rows.append({"key": "transitions", "numerator": count(moves),
                 "denominator": round(days / 365.25, 1), "value": _per_year(moves, days),
                 "unit": _("pr. patientår")})
    rows.append(_ratio_row("readmissions", result["admissions"]))
    rows.append(_ratio_row("experience", result["experience"]["positive"]))
    for row in rows:
        row["label"] = labels[row["key"]]
        row.setdefault("p90", None)
    return rows


def trend(result) -> list[dict]:
    """Indicator × month: numerator, denominator and value, for every indicator with a trend."""
    labels, rows = _labels(), []
    for key in ("guarantee", "plan", "screening", "tovholder"):
        for label, (num, den) in sorted(result[key].months.items()):
            rows.append({"key": key, "label": labels[key], "month": label, "numerator": count(num),
                         "denominator": count(den), "value": share(num, den)})
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
    for label, (num, den) in sorted(result["admissions"].months.items()):
        rows.append({"key": "readmissions", "label": labels["readmissions"], "month": label,
                     "numerator": count(num), "denominator": count(den), "value": share(num, den)})
    for stage in STAGE_ORDER:
        stays = result["stays"].get(stage)
        for label, values in sorted(stays.months.items()) if stays else ():
            n, mid, _p90 = _values_summary(values)
            rows.append({"key": f"phase:{stage}", "month": label, "numerator": "",
                         "label": _("Dage i fasen %(phase)s (median)", phase=STAGE_LABELS[stage]),
                         "denominator": n, "value": mid})
    for label, (num, den) in sorted(result["experience"]["positive"].months.items()):
        rows.append({"key": "experience", "label": labels["experience"], "month": label,
                     "numerator": count(num), "denominator": count(den), "value": share(num, den)})
    return rows


def phases(result) -> list[dict]:
    """Per phase: finished stays, median and p90 days."""
    rows = []
    for stage in STAGE_ORDER:
        n, mid, p90 = _values_summary(result["stays"][stage].all if stage in result["stays"] else [])
        rows.append({"stage": stage, "label": STAGE_LABELS.get(stage, stage), "stays": n,
                     "median": mid, "p90": p90})
    return rows


def admissions(result) -> dict:
    """Admissions and readmissions within 30 days."""
    ratio = result["admissions"]
    return {"admissions": count(ratio.den), "readmissions": count(ratio.num),
            "share": share(ratio.num, ratio.den)}


def experience(result) -> list[dict]:
    """Per experience item: answers and mean (1–5)."""
    labels = {"pe_involved": _("Jeg var med til at beslutte min behandling"),
              "pe_coordinated": _("Psykiatrien og kommunen arbejdede sammen om mig"),
              "pe_understood": _("Jeg blev mødt med forståelse"),
              "pe_overall": _("Samlet vurdering af forløbet")}
    rows = []
    for key in EXPERIENCE_ITEMS:
        values = result["experience"]["items"][key].all if key in result["experience"]["items"] \
            else []
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
        for key in ("referred", "waiting", "active", "ended"):
            row[key] = count(row[key])
        out.append(row)
    return out
