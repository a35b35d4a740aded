"""The configurable code table of the pathway markers (forløbsmarkører).

The default table (codes.json beside this file) has Forløb's own codes; a region that reports
to a national register with its own codes points `MARKER_CODES_FILE` at a JSON file of the
same shape. Codes are copied onto each marker when it is stored, so a new table changes
what is recorded from then on, never the history.
"""
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DEFAULT_FILE = Path(__file__).with_name("codes.json")
POINTS = ("henvisning_modtaget", "visitation", "garantifrist", "behandlingsstart", "fase_opstart",
          "fase_ustabil", "fase_stabil", "fase_overgang", "indlaeggelse", "udskrivelse", "afslutning")


class BadCodeTable(ValueError):
    """A code table that does not give every measurement point one distinct code."""


@dataclass(frozen=True)
class CodeTable:
    """A code system and a {code, display} per measurement point."""

    system: str
    codes: dict

    def code(self, point):
        """The {code, display} of a measurement point."""
        return self.codes[point]


def parse_table(text) -> CodeTable:
    """A checked code table from JSON text (BadCodeTable naming what is wrong)."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadCodeTable(f"not JSON: {exc}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("system"), str) or not raw["system"].strip():
        raise BadCodeTable("the table needs a 'system' (the code system's URL)")
    codes = raw.get("codes")
    if not isinstance(codes, dict):
        raise BadCodeTable("the table needs 'codes': {point: {code, display}}")
    missing = [p for p in POINTS if p not in codes]
    unknown = sorted(set(codes) - set(POINTS))
    if missing or unknown:
        raise BadCodeTable(f"missing points: {', '.join(missing) or '-'}; unknown points: {', '.join(unknown) or '-'}")
    for point, entry in codes.items():
        if not (isinstance(entry, dict) and isinstance(entry.get("code"), str) and entry["code"].strip()
                and len(entry["code"]) <= 40 and isinstance(entry.get("display"), str)):
            raise BadCodeTable(f"{point}: needs a code (at most 40 characters) and a display text")
    seen = [c["code"] for c in codes.values()]
    if len(set(seen)) != len(seen):
        raise BadCodeTable("two points share a code")
    return CodeTable(raw["system"].strip(), {p: dict(codes[p]) for p in POINTS})


@lru_cache(maxsize=1)
def default_table() -> CodeTable:
    """Forløb's own code table."""
    return parse_table(DEFAULT_FILE.read_text(encoding="utf-8"))


def load_table(path=None) -> CodeTable:
    """The table of `path` (the configured file), else the default."""
    if not path:
        return default_table()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise BadCodeTable(f"cannot read {path}: {exc.strerror}") from None
    return parse_table(text)
