"""The bounded, JSON-only format in which sandbox workers answer the service.

A worker runs code written by process owners; if that code ever escaped the sandbox it would
control the worker, so nothing the worker sends may be able to run code in the service.
Pickle could (its loads calls arbitrary callables); JSON cannot. Dates, datetimes and
durations are tagged objects; tuples become lists and sets sorted lists, as they would when
the pathway's data is stored. Every answer is capped at MAX_REPLY bytes, and JSON has no
shared references, so the decoded value is a plain tree no larger than the bytes received.
"""
import json
from datetime import date, datetime, timedelta
from typing import Any

from engine.errors import SandboxViolation

MAX_REPLY = 8 * 1024 * 1024   # bytes a worker may answer with
TAG = "$forlob"


def _default(value: object) -> dict[str, object] | list[Any]:
    if isinstance(value, datetime):
        return {TAG: "datetime", "v": value.isoformat()}
    if isinstance(value, date):
        return {TAG: "date", "v": value.isoformat()}
    if isinstance(value, timedelta):
        return {TAG: "timedelta", "v": [value.days, value.seconds, value.microseconds]}
    if isinstance(value, (set, frozenset)):
        try:
            return sorted(value)
        except TypeError:
            return list(value)
    raise TypeError(f"a {type(value).__name__} cannot leave the sandbox")


def encode(value: object) -> bytes:
    """JSON bytes of a reply (raises SandboxViolation when it is not plain data or too big)."""
    try:
        text = json.dumps(value, default=_default, ensure_ascii=False, check_circular=True,
                          separators=(",", ":"), allow_nan=True)
    except (TypeError, ValueError, RecursionError) as exc:
        raise SandboxViolation(f"the result cannot leave the sandbox: {exc}"[:300],
                               limit="size") from None
    blob = text.encode("utf-8", "surrogatepass")
    if len(blob) > MAX_REPLY:
        raise SandboxViolation("the result would be too large", limit="size")
    return blob


def _hook(obj: dict[str, Any]) -> datetime | date | timedelta | dict[str, Any]:
    kind = obj.get(TAG) if len(obj) == 2 else None
    if kind == "datetime":
        return datetime.fromisoformat(obj["v"])
    if kind == "date":
        return date.fromisoformat(obj["v"])
    if kind == "timedelta":
        days, seconds, micro = obj["v"]
        return timedelta(days=days, seconds=seconds, microseconds=micro)
    return obj


def decode(blob: bytes) -> Any:
    """The value of a worker's JSON reply; anything malformed is a SandboxViolation."""
    if len(blob) > MAX_REPLY:
        raise SandboxViolation("the result would be too large", limit="size")
    try:
        return json.loads(blob.decode("utf-8", "surrogatepass"), object_hook=_hook)
    except (ValueError, TypeError, KeyError, RecursionError, OverflowError) as exc:
        raise SandboxViolation(f"the sandbox answered with malformed data ({type(exc).__name__})",
                               limit="size") from None
