"""Bounded runs: a cycle timer must have a count and an interval fit for a clinical pathway."""
import re
from datetime import timedelta

from engine.errors import Message

# Bounded runs: every firing of a cycle timer adds to the run's state, so a cycle must have a
# count, at most MAX_CYCLE_REPEATS, and an interval of at least MIN_CYCLE_INTERVAL (a clinical
# pathway reminds in hours or days, not minutes). See docs/engine.md, "Bounded runs".
MAX_CYCLE_REPEATS = 100
MIN_CYCLE_INTERVAL = timedelta(hours=1)
CYCLE = re.compile(r"^R(?P<count>\d*)/(?:(?P<lead>P[^/]+)|[^/P][^/]*/(?P<trail>P[^/]+))$",
                   re.IGNORECASE)
DURATION = re.compile(r"^P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?"
                      r"(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?"
                      r"(?:(?P<seconds>\d+)S)?)?$", re.IGNORECASE)
# shortest length of each unit, so a cycle's interval is never overestimated
UNIT = {"years": timedelta(days=365), "months": timedelta(days=28), "weeks": timedelta(weeks=1),
        "days": timedelta(days=1), "hours": timedelta(hours=1), "minutes": timedelta(minutes=1),
        "seconds": timedelta(seconds=1)}


def cycle_problem(text):
    """Why a timeCycle is not bounded enough for a clinical pathway, or None when it is."""
    match = CYCLE.match((text or "").strip())
    if match is None:
        return Message("cyklustimeren %(text)s skal være en fast ISO 8601-gentagelse "
                       "'R<antal>/<interval>' (f.eks. R10/P7D), så dens grænse kan kontrolleres "
                       "ved udrulning", text=repr(text))
    if not match["count"]:
        return Message("cyklustimeren %(text)s gentages uden ende; angiv et antal på højst %(max)s",
                       text=repr(text), max=MAX_CYCLE_REPEATS)
    if int(match["count"]) > MAX_CYCLE_REPEATS:
        return Message("cyklustimeren %(text)s gentages %(count)s gange; højst %(max)s",
                       text=repr(text), count=int(match["count"]), max=MAX_CYCLE_REPEATS)
    duration = DURATION.match(match["lead"] or match["trail"])
    if duration is None:
        return Message("cyklustimeren %(text)s har intet læsbart interval", text=repr(text))
    interval = sum((UNIT[k] * int(v) for k, v in duration.groupdict().items() if v), timedelta())
    if interval < MIN_CYCLE_INTERVAL:
        return Message("cyklustimeren %(text)s udløses hver %(interval)s; det korteste tilladte "
                       "interval er %(min)s", text=repr(text), interval=str(interval),
                       min=str(MIN_CYCLE_INTERVAL))
    return None
