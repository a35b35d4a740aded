"""The regions and a few municipalities per region (from domain.md)."""

REGIONS = {
    "hovedstaden": "Region Hovedstaden",
    "sjaelland": "Region Sjælland",
    "syddanmark": "Region Syddanmark",
    "midtjylland": "Region Midtjylland",
    "nordjylland": "Region Nordjylland",
}

MUNICIPALITIES = {
    "koebenhavn": ("København", "hovedstaden"),
    "frederiksberg": ("Frederiksberg", "hovedstaden"),
    "gentofte": ("Gentofte", "hovedstaden"),
    "roskilde": ("Roskilde", "sjaelland"),
    "naestved": ("Næstved", "sjaelland"),
    "odense": ("Odense", "syddanmark"),
    "esbjerg": ("Esbjerg", "syddanmark"),
    "aarhus": ("Aarhus", "midtjylland"),
    "randers": ("Randers", "midtjylland"),
    "aalborg": ("Aalborg", "nordjylland"),
    "hjoerring": ("Hjørring", "nordjylland"),
}


def region_org(region: str) -> str:
    """Organisation code of a region's psychiatry."""
    return f"region-{region}"


def municipality_org(municipality: str) -> str:
    """Organisation code of a municipality's substance treatment."""
    return f"kommune-{municipality}"


def all_organisations():
    """Yield (code, name, kind, region) for every known organisation."""
    for key, name in REGIONS.items():
        yield region_org(key), f"{name}, Psykiatrien", "region", key
    for key, (name, region) in MUNICIPALITIES.items():
        yield municipality_org(key), f"{name} Kommune, Rusmiddelbehandling", "municipality", region
