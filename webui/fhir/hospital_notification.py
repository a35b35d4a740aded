"""Parse a posted MedCom HospitalNotification message and check the guide's rules.

No Flask and no database here: bytes in, a `Notification` or a coded `Problem` out, so every
rule is unit-tested alone. fhir.resources checks the FHIR structure with its R4B models (the
resources a HospitalNotification uses are unchanged between R4 and R4B); it checks no
profiles, invariants or bindings, so the guide's rules are ours, each with its own code.
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from webui.fhir.codes import (
    ACTIVITIES,
    ACTIVITY_SYSTEM,
    COMBINATIONS,
    CPR_SYSTEM,
    DEATH_COMBINATIONS,
    ERRORS,
    EVENT_CODE,
    EVENT_SYSTEMS,
    SOR_EPISODE_SYSTEM,
    SOR_SYSTEM,
)
from webui.pathways.cpr import birth_date

MAX_BYTES = 256 * 1024   # a HospitalNotification is a few kB; the limit keeps parsing cheap
MAX_DEPTH = 20           # the guide's resources nest about 8 deep
MAX_ENTRIES = 30


@dataclass(frozen=True)
class Problem:
    """A broken rule: its code (codes.ERRORS), a readable text, and the message id if known."""

    code: str
    text: str
    message_id: str | None = None

    @property
    def status(self) -> int:
        """The HTTP status the rule's breach is answered with."""
        return ERRORS[self.code][0]


@dataclass(frozen=True)
class Notification:
    """The facts of one valid HospitalNotification."""

    message_id: str
    digest: str              # SHA-256 of the canonical JSON: same id + same digest = replay
    code: str                # STIN, RE_STIN, AN_STIN, STAA, STOR, SLOR, SLHJ, MORS, ...
    activity: str
    encounter_class: str
    encounter_status: str
    episode: str             # the episode-of-care identifier (system|value) of the whole stay
    start: datetime
    end: datetime | None
    cpr: str
    sender_sor: str
    receiver_sor: str
    occurred: datetime | None
    leave: tuple = (None, None)  # the leave-period extension's (start, end), when sent

    @property
    def base(self) -> str:
        """The event without its RE_/AN_ prefix (STIN for AN_STIN)."""
        return self.code.split("_", 1)[-1]

    @property
    def variant(self) -> str:
        """'new', 'revise' or 'cancel'."""
        return {"RE": "revise", "AN": "cancel"}.get(self.code.split("_", 1)[0], "new")


class _Fail(Exception):
    def __init__(self, code, text):
        super().__init__(text)
        self.code, self.text = code, text


def _check_text(value):
    """Depth and encodability of every string, without recursion (hostile input is deep)."""
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if level > MAX_DEPTH:
            raise _Fail("HN-NESTING", f"JSON nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, dict):
            stack.extend((k, level) for k in item)
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate (\ud800) survives json.loads
                raise _Fail("HN-ENCODING", "a text contains a lone surrogate, not Unicode") from None


def _load(raw: bytes) -> dict:
    if len(raw) > MAX_BYTES:
        raise _Fail("HN-SIZE", f"the message has {len(raw)} bytes; at most {MAX_BYTES} are accepted")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _Fail("HN-ENCODING", "the body is not UTF-8") from None
    try:
        body = json.loads(text)
    except RecursionError:
        raise _Fail("HN-NESTING", f"JSON nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:
        raise _Fail("HN-JSON", f"not JSON: {exc}"[:200]) from None
    if not isinstance(body, dict):
        raise _Fail("HN-JSON", "the body must be a JSON object")
    _check_text(body)
    return body


def _structure(body):
    if body.get("resourceType") != "Bundle":
        raise _Fail("HN-STRUCTURE", "the resourceType must be Bundle")
    if body.get("type") != "message":
        raise _Fail("HN-BUNDLE-TYPE", f"the Bundle's type is {str(body.get('type'))[:40]!r}, not 'message'")
    if not isinstance(body.get("entry"), list) or not 1 <= len(body["entry"]) <= MAX_ENTRIES:
        raise _Fail("HN-STRUCTURE", f"a message Bundle has 1-{MAX_ENTRIES} entries")
    try:
        Bundle.parse_obj(body)
    except ValidationError as exc:
        first = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:3])
        raise _Fail("HN-STRUCTURE", f"not a valid FHIR R4 Bundle ({first})"[:400]) from None
    except (TypeError, ValueError) as exc:
        raise _Fail("HN-STRUCTURE", f"not a valid FHIR R4 Bundle ({exc})"[:400]) from None


class _Index:
    """The Bundle's resources by fullUrl and by 'Type/id', so references resolve locally."""

    def __init__(self, entries):
        self.by_ref = {}
        self.resources = []
        for entry in entries:
            resource = entry.get("resource") or {}
            self.resources.append(resource)
            local = f"{resource.get('resourceType')}/{resource.get('id')}"
            for key in (entry.get("fullUrl"), local):
                if key:
                    self.by_ref[key] = resource

    def of_type(self, kind):
        """All resources of one type."""
        return [r for r in self.resources if r.get("resourceType") == kind]

    def resolve(self, reference, kind, what):
        """The resource a Reference points at (by fullUrl, 'Type/id' or a URL ending in it)."""
        ref = (reference or {}).get("reference") or ""
        found = self.by_ref.get(ref)
        if found is None and "/" in ref:
            found = self.by_ref.get("/".join(ref.rstrip("/").split("/")[-2:]))
        if found is None or found.get("resourceType") != kind:
            raise _Fail("HN-REFERENCE", f"{what} does not point at a {kind} in the Bundle")
        return found


def _identifier(resource, system):
    for ident in resource.get("identifier") or []:
        if ident.get("system") == system and ident.get("value"):
            return str(ident["value"])
    return None


def _sor(organisation, code, who):
    sor = _identifier(organisation, SOR_SYSTEM)
    if not sor or not sor.isdigit() or len(sor) > 18:
        raise _Fail(code, f"the {who} Organization has no SOR identifier ({SOR_SYSTEM})")
    return sor


def _when(text, what):
    """A FHIR dateTime as UTC (a time without a zone is ambiguous, so it is refused)."""
    try:
        value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise _Fail("HN-PERIOD", f"{what} is not a date-time") from None
    if value.tzinfo is None:
        raise _Fail("HN-PERIOD", f"{what} has no time zone")
    return value.astimezone(UTC)


def _episode(encounter):
    """The stay's key: the episodeOfCare identifier the sender's SOR system names (the guide's
    examples add an LPR one, sometimes first), else the first; 'urn:uuid:' is dropped because the
    guide writes the same identifier with and without it."""
    found = [e.get("identifier") or {} for e in encounter.get("episodeOfCare") or []]
    found = [i for i in found if isinstance(i.get("value"), str) and i["value"]]
    if not found:
        return None
    chosen = next((i for i in found if str(i.get("system", "")).startswith(SOR_EPISODE_SYSTEM)), found[0])
    value = chosen["value"].removeprefix("urn:uuid:")
    return f"{chosen.get('system', '')}|{value}"


def _rules(body):
    entries = body["entry"]
    header = entries[0].get("resource") or {}
    if header.get("resourceType") != "MessageHeader":
        raise _Fail("HN-HEADER-FIRST", "the first entry is not a MessageHeader")
    message_id = header.get("id")
    if not message_id:
        raise _Fail("HN-HEADER-FIRST", "the MessageHeader has no id")
    event = header.get("eventCoding") or {}
    if event.get("system") not in EVENT_SYSTEMS or event.get("code") != EVENT_CODE:
        raise _Fail("HN-EVENT", f"eventCoding must be {EVENT_SYSTEMS[0]}#{EVENT_CODE}")
    index = _Index(entries)
    patients = index.of_type("Patient")
    if len(patients) != 1:
        raise _Fail("HN-PATIENT", f"the Bundle holds {len(patients)} Patients, not 1")
    cpr = _identifier(patients[0], CPR_SYSTEM) or ""
    try:
        birth_date(cpr)
    except (ValueError, KeyError):
        raise _Fail("HN-CPR", f"the Patient has no valid CPR identifier ({CPR_SYSTEM})") from None
    sender_sor = _sor(index.resolve(header.get("sender"), "Organization", "MessageHeader.sender"),
                      "HN-SENDER-SOR", "sender")
    destinations = header.get("destination") or []
    if len(destinations) != 1:  # the guide allows no carbon copy: one primary receiver
        raise _Fail("HN-RECEIVER-SOR", f"the message has {len(destinations)} destinations, not 1")
    receiver_sor = _sor(index.resolve(destinations[0].get("receiver"), "Organization",
                                      "MessageHeader.destination.receiver"), "HN-RECEIVER-SOR", "receiver")
    focus = header.get("focus") or []
    if len(focus) != 1:
        raise _Fail("HN-ENCOUNTER", "the MessageHeader must have exactly one focus (the Encounter)")
    encounter = index.resolve(focus[0], "Encounter", "MessageHeader.focus")
    if index.resolve(encounter.get("subject"), "Patient", "Encounter.subject") is not patients[0]:
        raise _Fail("HN-REFERENCE", "Encounter.subject is not the Bundle's Patient")
    episode = _episode(encounter)
    if not episode:
        raise _Fail("HN-ENCOUNTER", "the Encounter has no episodeOfCare identifier")
    period = encounter.get("period") or {}
    if not period.get("start"):
        raise _Fail("HN-ENCOUNTER", "the Encounter has no period.start")
    start = _when(period["start"], "period.start")
    end = _when(period["end"], "period.end") if period.get("end") else None
    provenance = _provenance(index, header)
    activity = ((provenance.get("activity") or {}).get("coding") or [{}])[0]
    if activity.get("system") != ACTIVITY_SYSTEM:
        raise _Fail("HN-ACTIVITY", f"the Provenance's activity must be from {ACTIVITY_SYSTEM}")
    if activity.get("code") not in ACTIVITIES:
        raise _Fail("HN-ACTIVITY", f"{str(activity.get('code'))[:60]!r} is not a HospitalNotification activity")
    klass = (encounter.get("class") or {}).get("code")
    status = encounter.get("status")
    deceased = bool(patients[0].get("deceasedBoolean") or patients[0].get("deceasedDateTime"))
    table = DEATH_COMBINATIONS if deceased else COMBINATIONS
    code = table.get((activity["code"], klass, status))
    if code is None:
        raise _Fail("HN-COMBINATION", f"activity {activity['code']} with class {klass} and status {status}"
                                      f"{' for a deceased patient' if deceased else ''} is not in the guide's table")
    if status == "finished" and end is None:
        raise _Fail("HN-PERIOD", "a finished Encounter needs period.end")
    if end is not None and end < start:
        raise _Fail("HN-PERIOD", "period.end is before period.start")
    occurred = provenance.get("occurredDateTime")
    leave = next((x.get("valuePeriod") or {} for x in encounter.get("extension") or []
                  if str(x.get("url", "")).endswith("leave-period-extension")), {})
    return Notification(
        message_id=str(message_id), digest="", code=code, activity=activity["code"],
        encounter_class=klass, encounter_status=status, episode=episode[:200], start=start,
        end=end, cpr=cpr, sender_sor=sender_sor, receiver_sor=receiver_sor,
        occurred=_when(occurred, "Provenance.occurredDateTime") if occurred else None,
        leave=tuple(_when(leave[k], f"leave period {k}") if leave.get(k) else None for k in ("start", "end")))


def _provenance(index, header):
    """The Provenance of this message: the one whose target is this MessageHeader (a bundle
    carries the Provenances of the earlier messages of the stay too)."""
    mine = []
    for provenance in index.of_type("Provenance"):
        for target in provenance.get("target") or []:
            try:
                if index.resolve(target, "MessageHeader", "Provenance.target") is header:
                    mine.append(provenance)
            except _Fail:
                continue  # a target outside the bundle: an earlier message's header
    if len(mine) != 1:
        raise _Fail("HN-PROVENANCE", f"{len(mine)} Provenances target this MessageHeader, not 1")
    return mine[0]


def digest(body: dict) -> str:
    """The content fingerprint of a message (key order and whitespace do not matter)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def parse(raw: bytes) -> tuple[Notification | None, Problem | None, dict | None]:
    """(notification, None, body) for a valid message, else (None, problem, body or None)."""
    body = None
    try:
        body = _load(raw)
        _structure(body)
        found = _rules(body)
    except _Fail as fail:
        return None, Problem(fail.code, fail.text, _message_id(body)), body
    return Notification(**{**found.__dict__, "digest": digest(body)}), None, body


def _message_id(body):
    """The MessageHeader id of a (possibly invalid) message, if it has one that is an id."""
    try:
        header = body["entry"][0]["resource"]
        value = header["id"] if header.get("resourceType") == "MessageHeader" else None
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
    if isinstance(value, str) and 0 < len(value) <= 64 and all(c.isalnum() or c in "-." for c in value):
        return value
    return None
