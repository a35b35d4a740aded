"""The demo's choice of places (a few municipalities per region) and its treatment units.

The real organisations are reference data (`webui/orgdata.py`, `webui/organisations.py`);
these lists only say where demo patients live and which units the demo shows.
"""
from webui.organisations import municipality_org, region_org  # noqa: F401  (re-exported)
from webui.orgdata import MUNICIPALITIES as _ALL
from webui.orgdata import REGIONS as _REGIONS

REGIONS = {key: name for key, (_, name) in _REGIONS.items()}

MUNICIPALITIES = {key: (_ALL[key][1], _ALL[key][2]) for key in (
    "koebenhavn", "frederiksberg", "gentofte", "roskilde", "naestved", "odense", "esbjerg",
    "aarhus", "randers", "aalborg", "hjoerring")}

# (name, parent organisation code): treatment units shown in the demo
UNITS = [
    ("Psykiatrisk Center København, dobbeltdiagnose", "region-hovedstaden"),
    ("Rusmiddelcenter København", "kommune-koebenhavn"),
    ("Aalborg Universitetshospital, Psykiatrien, dobbeltdiagnose", "region-nordjylland"),
]
