"""Automatic scoring of screening tools (AUDIT, DUDIT), driven by the form's ``x-forlob.scoring``.

A scoring spec names the item fields, how they combine (``method``), where the total goes
(``score_key``) and the bands that map a total to a zone. Bands may depend on another field
(``bands_by``, e.g. DUDIT's cut-offs by sex). Option values of scored items are the points.
"""


def _sum(values):
    """Total of the item points."""
    return sum(int(v) for v in values)


METHODS = {"sum": _sum}


def _bands(spec, data):
    """The band list that applies to this answer set."""
    bands = spec["bands"]
    by = spec.get("bands_by")
    return bands[data[by]] if by else bands


def score(spec, data) -> dict:
    """Return the computed keys (score, zone, zone label, cut-off) for validated ``data``."""
    total = METHODS[spec.get("method", "sum")]([data[key] for key in spec["items"]])
    result = {spec["score_key"]: total}
    band = next(b for b in _bands(spec, data) if b["min"] <= total <= b["max"])
    result[spec["zone_key"]] = band["zone"]
    result[spec["zone_key"] + "_label"] = band["label"]
    if "cutoff_key" in spec:
        by = spec.get("bands_by")
        result[spec["cutoff_key"]] = spec["cutoffs"][data[by]] if by else spec["cutoffs"]
    return result


def check_spec(spec, field_map) -> list:
    """Return the problems of a scoring spec: bands must cover every reachable total exactly once."""
    problems = []
    if spec.get("method", "sum") not in METHODS:
        return [f"ukendt pointmetode {spec.get('method')!r}"]
    try:
        top = sum(max(int(v["value"]) for v in field_map[key]["values"]) for key in spec["items"])
    except (KeyError, ValueError):
        return ["pointfelter skal være valgfelter med heltalsværdier"]
    groups = spec["bands"].values() if spec.get("bands_by") else [spec["bands"]]
    for bands in groups:
        covered = sorted(t for b in bands for t in range(b["min"], b["max"] + 1))
        if covered != list(range(0, top + 1)):
            problems.append(f"pointintervallerne skal dække 0..{top} præcis én gang")
    return problems
