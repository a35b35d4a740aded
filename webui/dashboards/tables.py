"""The dashboards' tables as rows of display values, with small counts protected.

The same rows feed the HTML page, the CSV download and the charts, so the protection is
applied in one place: on both pages every count is a sum of rounded cells
(webui/dashboards/rounding.py).
"""
from copy import copy

from flask_babel import gettext as _

from webui.common.phases import STAGE_LABELS
from webui.dashboards import rounding as rnd
from webui.dashboards.filters import count, share
from webui.dashboards.measures import percentile
from webui.dashboards.quality import EXPERIENCE_ITEMS, STAGE_ORDER


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


RATIOS = ("guarantee", "plan", "screening", "tovholder", "admissions", "experience", "response",
          "without_visit")


class Published:
    """The quality figures of all pathways, counted per cell and rounded once (rounding.py);
    every view, CSV and chart sums the rounded cells its filters select."""

    def __init__(self, result):
        ratios = {k: result[k] for k in RATIOS if k in result and k not in ("admissions",
                                                                                "experience")}
        ratios["admissions"] = result["admissions"]
        ratios["experience"] = result["experience"]["positive"]
        self.cells = {k: r.cells for k, r in ratios.items()}
        self.ratios = {k: rnd.RatioCounts(r.cells) for k, r in ratios.items()}
        self.waits = rnd.ValueCounts(result["waits"].cells)
        self.stays = {stage: rnd.ValueCounts(v.cells) for stage, v in result["stays"].items()}
        self.items = {k: rnd.ValueCounts(v.cells) for k, v in result["experience"]["items"].items()}
        self.transitions = rnd.Counts(result["transition_cells"])
        self.transition_cells = result["transition_cells"]
        self.time_cells = result["time_cells"]

    def plus(self, ratios: dict) -> "Published":
        """A copy with more ratios ({key: quality.Ratio}) rounded in; this one is unchanged (it
        may be cached and shared, cells_cache.py)."""
        out = copy(self)
        out.cells = {**self.cells, **{k: r.cells for k, r in ratios.items()}}
        out.ratios = {**self.ratios, **{k: rnd.RatioCounts(r.cells) for k, r in ratios.items()}}
        return out


def _ratio_row(pub, key, keep):
    num, den = pub.ratios[key].total(keep)
    return {"key": key, "numerator": num, "denominator": den, "value": share(num, den),
            "unit": "%"}


def _ratio_trend(pub, key, label, keep):
    """Month rows of a ratio, from the rounded cells of each month."""
    return [{"key": key, "label": label, "month": month, "numerator": num, "denominator": den,
             "value": share(num, den)}
            for month, (num, den) in pub.ratios[key].by_month(keep).items()]


def _per_year(transitions, days):
    """Transitions per patient-year, or None when there is no time or the count rounds to 0."""
    if not days or not transitions:
        return None
    return round(transitions / (days / 365.25), 2)


def _days(pub, keep) -> dict:
    """{month: patient-days in Ustabil/Stabil} of the selected cells."""
    return rnd.sum_by_month(pub.time_cells.items(), keep)


def indicators(pub, keep) -> list[dict]:
    """One row per indicator: label, numerator, denominator, value and unit."""
    labels = _labels()
    rows = [_ratio_row(pub, "guarantee", keep)]
    n, mid, p90 = pub.waits.summary(keep, p90=percentile)
    rows.append({"key": "waits", "numerator": "", "denominator": n, "value": mid,
                 "p90": p90, "unit": _("dage (median)")})
    rows += [_ratio_row(pub, k, keep) for k in ("plan", "screening", "tovholder")]
    moves, days = pub.transitions.total(keep), sum(_days(pub, keep).values())
    rows.append({"key": "transitions", "numerator": moves,
                 "denominator": round(days / 365.25, 1), "value": _per_year(moves, days),
                 "unit": _("pr. patientår")})
    rows.append(_ratio_row(pub, "admissions", keep) | {"key": "readmissions"})
    rows.append(_ratio_row(pub, "experience", keep))
    rows += [_ratio_row(pub, k, keep) for k in ("response", "without_visit") if k in pub.ratios]
    for row in rows:
        row["label"] = labels[row["key"]]
        row.setdefault("p90", None)
    return rows


def trend(pub, keep) -> list[dict]:
    """Indicator × month: numerator, denominator and value, for every indicator with a trend."""
    labels, rows = _labels(), []
    for key in ("guarantee", "plan", "screening", "tovholder"):
        rows += _ratio_trend(pub, key, labels[key], keep)
    for month, (n, mid, _p90) in pub.waits.summary_by_month(keep).items():
        rows.append({"key": "waits", "label": labels["waits"], "month": month, "numerator": "",
                     "denominator": n, "value": mid})
    all_moves, all_days = pub.transitions.by_month(keep), _days(pub, keep)
    moved = {key[0] for key in pub.transition_cells if keep(key)}
    for month in sorted(moved | set(all_days)):
        moves, days = all_moves.get(month, 0), all_days.get(month, 0.0)
        rows.append({"key": "transitions", "label": labels["transitions"], "month": month,
                     "numerator": moves, "denominator": round(days / 365.25, 2),
                     "value": _per_year(moves, days)})
    rows += [r | {"key": "readmissions"} for r in
             _ratio_trend(pub, "admissions", labels["readmissions"], keep)]
    for stage in STAGE_ORDER:
        stays = pub.stays.get(stage)
        for month, (n, mid, _p90) in (stays.summary_by_month(keep).items() if stays else ()):
            rows.append({"key": f"phase:{stage}", "month": month, "numerator": "",
                         "label": _("Dage i fasen %(phase)s (median)", phase=STAGE_LABELS[stage]),
                         "denominator": n, "value": mid})
    rows += _ratio_trend(pub, "experience", labels["experience"], keep)
    for key in ("response", "without_visit"):
        if key in pub.ratios:
            rows += _ratio_trend(pub, key, labels[key], keep)
    return rows


def phases(pub, keep) -> list[dict]:
    """Per phase: finished stays, median and p90 days."""
    rows = []
    for stage in STAGE_ORDER:
        n, mid, p90 = pub.stays[stage].summary(keep, p90=percentile) if stage in pub.stays \
            else (0, None, None)
        rows.append({"stage": stage, "label": STAGE_LABELS.get(stage, stage), "stays": n,
                     "median": mid, "p90": p90})
    return rows


def admissions(pub, keep) -> dict:
    """Admissions and readmissions within 30 days."""
    num, den = pub.ratios["admissions"].total(keep)
    return {"admissions": den, "readmissions": num, "share": share(num, den)}


def experience(pub, keep) -> list[dict]:
    """Per experience item: answers and mean (1–5)."""
    labels = {"pe_involved": _("Jeg var med til at beslutte min behandling"),
              "pe_coordinated": _("Psykiatrien og kommunen arbejdede sammen om mig"),
              "pe_understood": _("Jeg blev mødt med forståelse"),
              "pe_overall": _("Samlet vurdering af forløbet")}
    rows = []
    for key in EXPERIENCE_ITEMS:
        answers, mean = pub.items[key].mean(keep) if key in pub.items else (0, None)
        rows.append({"key": key, "label": labels[key], "answers": answers, "mean": mean})
    return rows


def overdue(rows, keep, names) -> list[dict]:
    """Overdue open tasks per organisation and lane: sums of the rounded cells (all pathways'
    cells rounded together, then those the filters select)."""
    counts = rnd.Counts({(org, lane or "", *cell): n for org, lane, cell, n in rows})
    out = {}
    for (org, lane, *cell), n in counts.rounded.items():
        if keep((None, *cell)):
            out[(org, lane)] = out.get((org, lane), 0) + n
    return [{"org": org, "name": names.get(org, org), "lane": lane, "count": n}
            for (org, lane), n in sorted(out.items())]


def phase_in(rows) -> list[dict]:
    """The phase-in table as shown (its counts are sums of rounded cells, multiples of 5)."""
    return [{**row, **{k: count(row[k]) for k in ("referred", "waiting", "active", "ended")}}
            for row in rows]
