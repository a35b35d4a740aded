"""The first door of a posted message: bytes to a JSON Bundle that FHIR's own structure accepts.

Hostile input is stopped here, before any rule of the guide looks at it: size, encoding,
nesting, JSON, and the FHIR structure (fhir.resources' R4B models: the resources a
HospitalNotification uses are unchanged between R4 and R4B). No Flask and no database.
"""
import hashlib
import json

from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

MAX_BYTES = 256 * 1024   # a HospitalNotification is a few kB; the limit keeps parsing cheap
MAX_DEPTH = 20           # the guide's resources nest about 8 deep
MAX_ENTRIES = 30


class RuleBroken(Exception):
    """A rule the message breaks: our error code, what is wrong, and the guide's rule key."""

    def __init__(self, code: str, text: str, key: str = ""):
        super().__init__(text)
        self.code, self.text, self.key = code, text, key


def _check_text(value):
    """Depth and encodability of every string, without recursion (hostile input is deep)."""
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if level > MAX_DEPTH:
            raise RuleBroken("HN-NESTING", f"JSON nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, dict):
            stack.extend((k, level) for k in item)
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate (\ud800) survives json.loads
                raise RuleBroken("HN-ENCODING", "a text contains a lone surrogate, not Unicode") from None


def load(raw: bytes) -> dict:
    """The body as a JSON object within our limits (RuleBroken otherwise)."""
    if len(raw) > MAX_BYTES:
        raise RuleBroken("HN-SIZE", f"the message has {len(raw)} bytes; at most {MAX_BYTES} are accepted")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RuleBroken("HN-ENCODING", "the body is not UTF-8") from None
    try:
        body = json.loads(text)
    except RecursionError:
        raise RuleBroken("HN-NESTING", f"JSON nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:
        raise RuleBroken("HN-JSON", f"not JSON: {exc}"[:200]) from None
    if not isinstance(body, dict):
        raise RuleBroken("HN-JSON", "the body must be a JSON object")
    _check_text(body)
    return body


def check_structure(body: dict) -> None:
    """A message Bundle of a sane size that fhir.resources accepts as FHIR R4."""
    if body.get("resourceType") != "Bundle":
        raise RuleBroken("HN-STRUCTURE", "the resourceType must be Bundle")
    if body.get("type") != "message":
        raise RuleBroken("HN-BUNDLE-TYPE", f"the Bundle's type is {str(body.get('type'))[:40]!r}, not 'message'",
                         "MedComMessagingMessage.type")
    if not isinstance(body.get("entry"), list) or not 1 <= len(body["entry"]) <= MAX_ENTRIES:
        raise RuleBroken("HN-STRUCTURE", f"a message Bundle has 1-{MAX_ENTRIES} entries")
    try:
        Bundle.parse_obj(body)
    except ValidationError as exc:
        first = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:3])
        raise RuleBroken("HN-STRUCTURE", f"not a valid FHIR R4 Bundle ({first})"[:400]) from None
    except (TypeError, ValueError) as exc:
        raise RuleBroken("HN-STRUCTURE", f"not a valid FHIR R4 Bundle ({exc})"[:400]) from None


def digest(body: dict) -> str:
    """The content fingerprint of a message (key order and whitespace do not matter)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def message_id(body) -> str | None:
    """The MessageHeader id of a (possibly invalid) message, if it has one that is an id."""
    try:
        header = body["entry"][0]["resource"]
        value = header["id"] if header.get("resourceType") == "MessageHeader" else None
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
    if isinstance(value, str) and 0 < len(value) <= 64 and all(c.isalnum() or c in "-." for c in value):
        return value
    return None
