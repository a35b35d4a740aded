"""Denmark's 5 regions and 98 municipalities with their official codes (reference data).

Codes are the official region codes (1081–1085) and municipality codes (e.g. 101 København).
Slugs are ASCII (æ→ae, ø→oe, å→aa) and make the organisation codes `region-<slug>` and
`kommune-<slug>`. The data migration 0500 loads these rows; a change is a new migration.
"""

# slug → (official code, name)
REGIONS = {
    "nordjylland": (1081, "Region Nordjylland"),
    "midtjylland": (1082, "Region Midtjylland"),
    "syddanmark": (1083, "Region Syddanmark"),
    "hovedstaden": (1084, "Region Hovedstaden"),
    "sjaelland": (1085, "Region Sjælland"),
}

# region slug → [(official code, name)]
_BY_REGION = {
    "hovedstaden": [
        (101, "København"), (147, "Frederiksberg"), (151, "Ballerup"), (153, "Brøndby"),
        (155, "Dragør"), (157, "Gentofte"), (159, "Gladsaxe"), (161, "Glostrup"), (163, "Herlev"),
        (165, "Albertslund"), (167, "Hvidovre"), (169, "Høje-Taastrup"), (173, "Lyngby-Taarbæk"),
        (175, "Rødovre"), (183, "Ishøj"), (185, "Tårnby"), (187, "Vallensbæk"), (190, "Furesø"),
        (201, "Allerød"), (210, "Fredensborg"), (217, "Helsingør"), (219, "Hillerød"),
        (223, "Hørsholm"), (230, "Rudersdal"), (240, "Egedal"), (250, "Frederikssund"),
        (260, "Halsnæs"), (270, "Gribskov"), (400, "Bornholm"),
    ],
    "sjaelland": [
        (253, "Greve"), (259, "Køge"), (265, "Roskilde"), (269, "Solrød"), (306, "Odsherred"),
        (316, "Holbæk"), (320, "Faxe"), (326, "Kalundborg"), (329, "Ringsted"), (330, "Slagelse"),
        (336, "Stevns"), (340, "Sorø"), (350, "Lejre"), (360, "Lolland"), (370, "Næstved"),
        (376, "Guldborgsund"), (390, "Vordingborg"),
    ],
    "syddanmark": [
        (410, "Middelfart"), (420, "Assens"), (430, "Faaborg-Midtfyn"), (440, "Kerteminde"),
        (450, "Nyborg"), (461, "Odense"), (479, "Svendborg"), (480, "Nordfyns"), (482, "Langeland"),
        (492, "Ærø"), (510, "Haderslev"), (530, "Billund"), (540, "Sønderborg"), (550, "Tønder"),
        (561, "Esbjerg"), (563, "Fanø"), (573, "Varde"), (575, "Vejen"), (580, "Aabenraa"),
        (607, "Fredericia"), (621, "Kolding"), (630, "Vejle"),
    ],
    "midtjylland": [
        (615, "Horsens"), (657, "Herning"), (661, "Holstebro"), (665, "Lemvig"), (671, "Struer"),
        (706, "Syddjurs"), (707, "Norddjurs"), (710, "Favrskov"), (727, "Odder"), (730, "Randers"),
        (740, "Silkeborg"), (741, "Samsø"), (746, "Skanderborg"), (751, "Aarhus"),
        (756, "Ikast-Brande"), (760, "Ringkøbing-Skjern"), (766, "Hedensted"), (779, "Skive"),
        (791, "Viborg"),
    ],
    "nordjylland": [
        (773, "Morsø"), (787, "Thisted"), (810, "Brønderslev"), (813, "Frederikshavn"),
        (820, "Vesthimmerlands"), (825, "Læsø"), (840, "Rebild"), (846, "Mariagerfjord"),
        (849, "Jammerbugt"), (851, "Aalborg"), (860, "Hjørring"),
    ],
}


def slug(name: str) -> str:
    """ASCII slug of a Danish place name: 'Høje-Taastrup' → 'hoeje-taastrup'."""
    text = name.lower()
    for danish, ascii_ in (("æ", "ae"), ("ø", "oe"), ("å", "aa")):
        text = text.replace(danish, ascii_)
    return "-".join(text.replace("-", " ").split())


# slug → (official code, name, region slug)
MUNICIPALITIES = {slug(name): (code, name, region)
                  for region, rows in _BY_REGION.items() for code, name in rows}


def rows():
    """Every reference organisation as a column dict for the `organisation` table."""
    for key, (code, name) in REGIONS.items():
        yield {"code": f"region-{key}", "name": f"{name}, Psykiatrien", "kind": "region",
               "region": key, "official_code": code, "parent_code": None,
               "short_name": name, "active": True}
    for key, (code, name, region) in MUNICIPALITIES.items():
        yield {"code": f"kommune-{key}", "name": f"{name} Kommune, Rusmiddelbehandling",
               "kind": "municipality", "region": region, "official_code": code,
               "parent_code": f"region-{region}", "short_name": name, "active": True}
