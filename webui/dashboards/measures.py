"""The dashboards' measures: epoch days, months, percentiles, and the ratio and value
counters every indicator fills (per month of its index date, and per published cell)."""
from bisect import bisect_right
from collections import defaultdict
from datetime import date
from math import ceil, floor, inf

EPOCH = date(1970, 1, 1).toordinal()

# month starts (epoch days) and labels, 2000-01 … 2099-12, for bisecting a day into its month
_STARTS = [date(y, m, 1).toordinal() - EPOCH for y in range(2000, 2100) for m in range(1, 13)]
_LABELS = [f"{y:04d}-{m:02d}" for y in range(2000, 2100) for m in range(1, 13)]


def epoch(day: date) -> int:
    """Days since 1970-01-01 of a date."""
    return day.toordinal() - EPOCH


def to_date(days):
    """The date of an epoch-days float (None stays None)."""
    return None if days is None else date.fromordinal(EPOCH + floor(days))


def month_index(days) -> int:
    """Index into the month table of an epoch-days value."""
    return bisect_right(_STARTS, days) - 1


_LABEL_OF_DAY = {}  # whole epoch day → 'YYYY-MM' (a few thousand entries at most)


def month_label(days) -> str:
    """'YYYY-MM' of an epoch-days value."""
    day = floor(days)
    label = _LABEL_OF_DAY.get(day)
    if label is None:
        label = _LABEL_OF_DAY[day] = _LABELS[month_index(day)]
    return label


def percentile(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(1, ceil(p / 100 * len(ordered))) - 1]


class Period:
    """The period filter as half-open epoch days [lo, hi)."""

    def __init__(self, filters):
        self.lo = epoch(filters.date_from) if filters.date_from else -inf
        self.hi = epoch(filters.date_to) + 1 if filters.date_to else inf

    def __contains__(self, days):
        return days is not None and self.lo <= days < self.hi


class Ratio:
    """Numerator and denominator, in total, per month of the index date, and per cell and
    month as {(month, *cell): [hits, misses]} (the cells the page publishes from: rounding.py)."""

    def __init__(self):
        self.num = self.den = 0
        self.months = defaultdict(lambda: [0, 0])
        self.cells = defaultdict(lambda: [0, 0])

    def add(self, day, hit, period, cell=()):
        """Count one case (hit or not) whose index date is `day`, if it lies in the period."""
        # inlined (Period.__contains__, month_label): called ~10^5 times per count of all pathways
        if day is None or not period.lo <= day < period.hi:
            return
        hit = bool(hit)
        self.num += hit
        self.den += 1
        month = _LABEL_OF_DAY.get(floor(day)) or month_label(day)
        totals = self.months[month]
        totals[0] += hit
        totals[1] += 1
        self.cells[(month, *cell)][0 if hit else 1] += 1


class Values:
    """Values (e.g. days), in total, per month of the index date and per cell and month."""

    def __init__(self):
        self.all = []
        self.months = defaultdict(list)
        self.cells = defaultdict(list)

    def add(self, day, value, period, cell=()):
        """Add one value whose index date is `day`, if it lies in the period."""
        if day is not None and period.lo <= day < period.hi:
            month = _LABEL_OF_DAY.get(floor(day)) or month_label(day)
            self.all.append(value)
            self.months[month].append(value)
            self.cells[(month, *cell)].append(value)


class MonthTime:
    """Time spent (days) per month, from many intervals, in O(log n) per interval."""

    def __init__(self):
        self.partial = defaultdict(float)  # month index → days from part-month pieces
        self.full = defaultdict(int)       # difference array over month indices: full months

    def add(self, start, end):
        """Add the interval [start, end) in epoch days."""
        if end <= start:
            return
        i, j = month_index(start), month_index(end)
        if i == j:
            self.partial[i] += end - start
            return
        self.partial[i] += _STARTS[i + 1] - start
        self.partial[j] += end - _STARTS[j]
        if j > i + 1:
            self.full[i + 1] += 1
            self.full[j] -= 1

    def by_month(self) -> dict:
        """{'YYYY-MM': days}."""
        out = {}
        running, keys = 0, sorted(set(self.full) | set(self.partial))
        if not keys:
            return out
        for k in range(keys[0], keys[-1] + 1):
            running += self.full.get(k, 0)
            days = self.partial.get(k, 0.0) + running * (_STARTS[k + 1] - _STARTS[k])
            if days:
                out[_LABELS[k]] = days
        return out
