"""Small-number protection of the phase-in page: publication by monthly cells.

Every count on the phase-in page is first counted per Danish calendar month of its referral,
per municipality × group × month. A monthly cell is published only when none of its counts is
1–4 (for the statuses a complementary rule, ``statuses``). Everything else (a region's row, a
period's total, the cumulative curve, the CSV, the chart data) is the **sum of published
monthly cells**; a suppressed month contributes nothing. One exception: a row over all time (no
period) shows its true total when what it left out adds up to 0 or at least 5 in every column
(``phase_in._counts``). Periods are whole months (filters.parse widens them). The quality page
uses rounding instead (rounding.py). docs/indicators.md describes both methods.
"""
from webui.dashboards.filters import is_small


def statuses(referred: int, parts: dict) -> dict | None:
    """One month's split of `referred` into parts, with parts hidden (None) as needed.

    The month is left out (None) when `referred` is 1–4. Otherwise every part of 1–4 is
    hidden, and further parts (smallest first) until the hidden parts add up to 0 or at least
    5, so `referred` minus the shown parts never gives a count of 1–4.
    """
    if is_small(referred):
        return None
    hidden = {k for k, n in parts.items() if is_small(n)}
    while 0 < sum(parts[k] for k in hidden) < 5:
        visible = sorted((n, k) for k, n in parts.items() if k not in hidden and n)
        hidden.add(visible[0][1])  # exists: all parts hidden would add up to `referred` ≥ 5
    return {k: (None if k in hidden else n) for k, n in parts.items()}
