"""The dashboards' filters (region, municipality, group, tier, period) and the small-count guards
(a last safety net: every published count is a sum of rounded cells, rounding.py)."""
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from webui import organisations
from webui.pathways.complexity import TIER_LABELS

SMALL = 5  # counts 1..SMALL-1 are never shown


@dataclass
class Filters:
    """Validated filter values; empty means "all"."""

    region: str = ""
    municipality: str = ""
    group: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    tier: str = ""  # complexity tier: lav, moderat or hoej

    def args(self) -> dict:
        """The filters as query arguments (for links and CSV downloads)."""
        out = {"region": self.region, "municipality": self.municipality,
               "group": self.group or "", "fra": self.date_from or "", "til": self.date_to or "",
               "kompleksitet": self.tier}
        return {k: str(v) for k, v in out.items() if v not in ("", None)}

    def describe(self) -> str:
        """A short text for the audit log."""
        return " ".join(f"{k}={v}" for k, v in self.args().items()) or "all"

    def conditions(self, P) -> list:
        """WHERE conditions on the pathway table for region, municipality and group."""
        where = []
        if self.region:
            where.append(P.region_org == organisations.region_org(self.region))
        if self.municipality:
            where.append(P.municipality_org == organisations.municipality_org(self.municipality))
        if self.group:
            where.append(P.group_no == self.group)
        if self.tier:
            where.append(P.complexity_tier == self.tier)
        return where

    def keeps(self, month, region, municipality, group, tier) -> bool:
        """True when a publication cell (Danish month 'YYYY-MM', region and municipality
        organisation codes, group, tier) lies inside the filters and the period."""
        return (not self.region or region == organisations.region_org(self.region)) and \
            (not self.municipality or
             municipality == organisations.municipality_org(self.municipality)) and \
            (not self.group or group == self.group) and (not self.tier or tier == self.tier) and \
            (month is None or (self.date_from is None or month >= f"{self.date_from:%Y-%m}") and
             (self.date_to is None or month <= f"{self.date_to:%Y-%m}"))

    def in_period(self, day) -> bool:
        """True when a date (or None: never) lies in the chosen period."""
        if day is None:
            return False
        return (self.date_from is None or day >= self.date_from) and \
            (self.date_to is None or day <= self.date_to)


def parse(args) -> tuple[Filters, list[str]]:
    """Filters from query arguments, and the messages for values that were refused."""
    filters, errors = Filters(), []
    region = (args.get("region") or "").strip()
    if region:
        if organisations.eligible(organisations.region_org(region), ("region",)):
            filters.region = region
        else:
            errors.append(_("Ukendt region."))
    municipality = (args.get("municipality") or "").strip()
    if municipality:
        if organisations.eligible(organisations.municipality_org(municipality), ("municipality",),
                                  filters.region or None):
            filters.municipality = municipality
            # a municipality implies its region, so the tables show municipality rows
            filters.region = organisations.get(organisations.municipality_org(municipality)).region
        else:
            errors.append(_("Ukendt kommune, eller kommunen ligger ikke i den valgte region."))
    group = (args.get("group") or "").strip()
    if group:
        if group in ("1", "2", "3"):
            filters.group = int(group)
        else:
            errors.append(_("Gruppen skal være 1, 2 eller 3."))
    tier = (args.get("kompleksitet") or "").strip()
    if tier:
        if tier in TIER_LABELS:
            filters.tier = tier
        else:
            errors.append(_("Ukendt kompleksitetsniveau."))
    for key, attr in (("fra", "date_from"), ("til", "date_to")):
        text = (args.get(key) or "").strip()
        if text:
            try:
                setattr(filters, attr, date.fromisoformat(text))
            except ValueError:
                errors.append(_("Datoen skal skrives ÅÅÅÅ-MM-DD."))
    # a period is whole Danish calendar months (docs/indicators.md): a shorter one would let
    # two periods be subtracted into a small count
    if filters.date_from:
        filters.date_from = filters.date_from.replace(day=1)
    if filters.date_to:
        filters.date_to = month_end(filters.date_to)
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        errors.append(_("Periodens start ligger efter dens slutning."))
        filters.date_from = filters.date_to = None
    return filters, errors


def month_end(day: date) -> date:
    """The last day of the month a date lies in."""
    following = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def is_small(count) -> bool:
    """True for a count that must be hidden (1–4)."""
    return count is not None and 0 < count < SMALL


def count(value):
    """A count as shown and exported: '<5' for 1–4."""
    if value is None:
        return ""
    return "<5" if is_small(value) else value


def share(numerator, denominator):
    """A percentage (one decimal), or None when a count behind it is small or there is none."""
    if not denominator or is_small(denominator) or is_small(numerator) or \
            is_small(denominator - numerator):
        return None
    return round(100.0 * numerator / denominator, 1)
