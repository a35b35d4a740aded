"""The WHO-5 trend as a small server-rendered SVG (no script, no CDN): points over time,
coloured by zone, with the 50 and 28 lines, and a text alternative for screen readers."""
from webui.common.timeutil import local

WIDTH, HEIGHT, PAD = 320, 140, 24
LINES = (50, 28)  # poor well-being at or below 50, likely depression at or below 28


def _y(percentage: float) -> float:
    return round(PAD / 2 + (100 - percentage) / 100 * (HEIGHT - PAD), 1)


def who5_chart(rows) -> dict | None:
    """Coordinates of answered WHO-5 rows (any order) for the `_trend.html` macro; None if none."""
    points = sorted(((local(r.answered_at), r.result["percentage"], r.zone) for r in rows
                     if r.instrument == "who5" and r.answered_at and (r.result or {}).get("percentage")
                     is not None), key=lambda p: p[0])
    if not points:
        return None
    first, last = points[0][0], points[-1][0]
    span = (last - first).total_seconds() or 1.0
    plotted = []
    for when, percentage, zone in points:
        x = PAD + ((when - first).total_seconds() / span) * (WIDTH - 2 * PAD) if len(points) > 1 \
            else WIDTH / 2
        plotted.append({"x": round(x, 1), "y": _y(percentage), "value": percentage, "zone": zone,
                        "day": when.date()})
    return {"width": WIDTH, "height": HEIGHT, "points": plotted,
            "polyline": " ".join(f"{p['x']},{p['y']}" for p in plotted),
            "lines": [{"value": v, "y": _y(v)} for v in LINES], "left": PAD, "right": WIDTH - PAD}
