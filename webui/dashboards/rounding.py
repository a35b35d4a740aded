"""Small-number protection of the quality page: every count is a sum of cell counts rounded
to 5 along one fixed order of all cells.

A *cell* is region × municipality × group × complexity tier × Danish month of the index date,
the finest piece any filter can ask for (the overdue tasks and the contact hours also carry the
organisation or unit and the lane of their rows). Each kind of count (the guarantee's met
pathways, its breached ones, the stays in Opstart, …) is counted per cell over **all**
pathways, whatever the filters, and the cells are then rounded together: walking them in a
fixed order, the running total is rounded to the nearest multiple of 5 (0–2 down, 3–4 up) and
each cell gets what its step adds to the rounded running total. So every rounded cell is a
multiple of 5 (0 or more), a run of cells adjacent in the order (a month of the whole country,
all time) is off by at most 5 (2 at the very end), and a figure that adds many runs is off by
little more on average. Every figure the page, its CSV files and its chart data show is a sum
of the rounded cells its filters select, and every percentage is computed from those sums.

Why nothing of 1–4 can be pinned (docs/indicators.md, *Small numbers*): a running total of
multiples of 5 rounds to itself, so the data set whose every cell holds its rounded count gets
the same rounded cells and publishes exactly the same figures under every filter; in it every
count is a multiple of 5. Any count of 1–4 is thus consistent with the publication together with
at least one other value (that of this twin data set), whatever is combined.
"""
from functools import lru_cache
from statistics import median

BASE = 5
MIN_VALUES = 10  # a median, percentile or mean needs a rounded count of at least 10 (6+ values)


@lru_cache(maxsize=262144)
def _order(key):
    """Sort key of a cell key: each part as text, an empty value ("" or None) first."""
    return tuple("" if part is None else str(part) for part in key)


def sequence(cells: dict) -> dict:
    """{key: rounded count}: the running total over the keys in order, rounded to the nearest
    multiple of 5, split back into the steps each key adds to it (each ≥ 0, a multiple of 5).

    Keys are tuples, sorted part by part as text with an empty value first (``_order``); the
    month comes first for the indicators, so a month of the whole country is one run of
    adjacent cells.
    """
    out, total, shown = {}, 0, 0
    for key in sorted(cells, key=_order):
        total += cells[key]
        target = BASE * ((total + BASE // 2) // BASE)
        out[key], shown = target - shown, target
    return out


class Counts:
    """One kind of count per cell, rounded along the fixed order; sums over a selection."""

    def __init__(self, cells: dict):
        self.rounded = sequence({k: n for k, n in cells.items() if n})
        # most cells round to 0: a sum need not ask `keep` about them
        self.nonzero = [(key, n) for key, n in self.rounded.items() if n]

    def total(self, keep) -> int:
        """The sum of the rounded cells whose key `keep(key)` accepts."""
        return sum(n for key, n in self.nonzero if keep(key))

    def by_month(self, keep) -> dict:
        """{month: sum of the rounded cells `keep` accepts} (the month is a key's first part)."""
        return sum_by_month(self.rounded.items(), keep)


def sum_by_month(cells, keep) -> dict:
    """{month: sum of the values of the (key, value) cells `keep` accepts}; a key's first part
    is its month."""
    out: dict = {}
    for key, value in cells:
        if keep(key):
            out[key[0]] = out.get(key[0], 0) + value
    return out


class RatioCounts:
    """A ratio's cells {key: [hits, misses]}: hits and misses rounded as two counts, so the
    denominator minus the numerator is a sum of rounded cells too."""

    def __init__(self, cells: dict):
        self.hits = Counts({k: v[0] for k, v in cells.items()})
        self.misses = Counts({k: v[1] for k, v in cells.items()})

    def total(self, keep) -> tuple[int, int]:
        """(numerator, denominator) of the selected cells."""
        hits = self.hits.total(keep)
        return hits, hits + self.misses.total(keep)

    def by_month(self, keep) -> dict:
        """{month: (numerator, denominator)} of the selected cells."""
        hits, misses = self.hits.by_month(keep), self.misses.by_month(keep)
        return {m: (hits.get(m, 0), hits.get(m, 0) + misses.get(m, 0))
                for m in sorted(set(hits) | set(misses))}


class ValueCounts:
    """Values per cell {key: [values]}: their number rounded like any count."""

    def __init__(self, cells: dict):
        self.cells = cells
        self.sizes = Counts({k: len(v) for k, v in cells.items()})

    def summary(self, keep, p90=None) -> tuple[int, float | None, float | None]:
        """(rounded n, median, 90th percentile) of the selected cells' values; the median and
        percentile only when the rounded n is at least MIN_VALUES."""
        n = self.sizes.total(keep)
        if n < MIN_VALUES:
            return n, None, None
        values = self.values(keep)
        return n, round(median(values), 1), round(p90(values, 90), 1) if p90 else None

    def summary_by_month(self, keep) -> dict:
        """{month: (rounded n, median, None)} of the selected cells, as ``summary`` per month."""
        sizes, values = self.sizes.by_month(keep), {}
        for key, vs in self.cells.items():
            if keep(key):
                values.setdefault(key[0], []).extend(vs)
        return {m: (sizes.get(m, 0), round(median(values[m]), 1)
                    if sizes.get(m, 0) >= MIN_VALUES else None, None) for m in sorted(values)}

    def mean(self, keep) -> tuple[int, float | None]:
        """(rounded n, mean) of the selected cells' values; the mean only from MIN_VALUES on."""
        n, values = self.sizes.total(keep), self.values(keep)
        return n, (round(sum(values) / len(values), 2) if n >= MIN_VALUES and values else None)

    def values(self, keep) -> list:
        """The true values of the selected cells."""
        return [v for key, vs in self.cells.items() if keep(key) for v in vs]
