"""Small-number protection that survives subtraction: publication by monthly cells.

Every count on the leads' pages is first counted per calendar month (Danish) of its index
date, in the finest cell a page shows (place × group × month, indicator × month). A monthly
cell is published only when none of its counts is 1–4 (for a ratio: numerator, denominator
and their difference; for the phase-in statuses a complementary rule, ``statuses``).
Everything else (a period's total, a cumulative curve, the CSV, the chart data) is the **sum
of published monthly cells**; a suppressed month contributes nothing. One exception: a
figure over all time (no period) shows its true total when what it left out adds up to 0 or
at least 5 in every column (``ratio_total`` here, ``phase_in._counts``). Periods are whole
months (filters.parse widens them). So any figure minus another of the same cohort is a sum
of published cells, each 0 or at least 5: no count of 1–4 can be derived by subtraction.
docs/indicators.md describes the method and what it does not cover.
"""
from webui.dashboards.filters import is_small


def ratio_months(months) -> dict:
    """{month: [num, den]} of the published months of a ratio (no count or difference 1–4)."""
    return {m: [num, den] for m, (num, den) in months.items()
            if not (is_small(num) or is_small(den) or is_small(den - num))}


def ratio_total(months, exact=None) -> tuple[int, int, bool]:
    """(numerator, denominator, some month left out) summed over the published months.

    `exact` is the true (numerator, denominator) when the figure covers all time (no period
    filter): it is shown instead when what the left-out months add up to (numerator,
    denominator and difference) is 0 or at least 5, so the total minus the shown months is
    never 1–4. A total over all time cannot be cut into periods, so no other figure of the
    cohort gives the left-out part of one period.
    """
    shown = ratio_months(months)
    num, den = sum(n for n, _ in shown.values()), sum(d for _, d in shown.values())
    left_out = len(shown) < len(months)
    if left_out and exact is not None:
        hidden_num, hidden_den = exact[0] - num, exact[1] - den
        if not (is_small(hidden_num) or is_small(hidden_den) or is_small(hidden_den - hidden_num)):
            return exact[0], exact[1], False
    return num, den, left_out


def count_months(months) -> dict:
    """{month: count} of the published months of a count."""
    return {m: n for m, n in months.items() if not is_small(n)}


def values_months(months) -> dict:
    """{month: values} of the months with at least five values (or none)."""
    return {m: v for m, v in months.items() if not is_small(len(v))}


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
