"""Parse a posted MedCom HospitalNotification message into the facts of one notification.

No Flask and no database: bytes in, a `Notification` or a coded `Problem` out, so every rule is
unit-tested alone. Three steps: message_body (bytes to a FHIR Bundle: limits and structure),
guide_rules (the guide's profile rules and invariants, one named check each), then the facts
read here from a message that has passed both.
"""
from dataclasses import dataclass
from datetime import datetime

from webui.fhir import encounter_rules, guide_rules
from webui.fhir.codes import COMBINATIONS, CPR_SYSTEM, DEATH_COMBINATIONS, ERRORS, SOR_EPISODE_SYSTEM, SOR_SYSTEM
from webui.fhir.message_body import MAX_BYTES, RuleBroken, check_structure, digest, load, message_id
from webui.fhir.message_parts import Parts, identifier, when

__all__ = ["MAX_BYTES", "Notification", "Problem", "digest", "parse"]


@dataclass(frozen=True)
class Problem:
    """A broken rule: its code (codes.ERRORS), a readable text, the message id if known, and the
    key of the guide's rule it breaks (guide_rules.RULES) when it is one."""

    code: str
    text: str
    message_id: str | None = None
    key: str = ""

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


def _episode(encounter):
    """The stay's key: the episodeOfCare identifier the sender's SOR system names (the guide's
    examples add an LPR one, sometimes first), else the first; 'urn:uuid:' is dropped because the
    guide writes the same identifier with and without it."""
    found = [e.get("identifier") or {} for e in encounter.get("episodeOfCare") or []]
    chosen = next((i for i in found if str(i.get("system", "")).startswith(SOR_EPISODE_SYSTEM)), found[0])
    value = chosen["value"].removeprefix("urn:uuid:")
    return f"{chosen.get('system', '')}|{value}"


def _facts(m: Parts, body_digest: str) -> Notification:
    """The notification a message that passed every rule tells."""
    encounter, header = m.encounter, m.header
    activity = m.provenance["activity"]["coding"][0]["code"]
    klass, status = encounter["class"]["code"], encounter["status"]
    table = DEATH_COMBINATIONS if encounter_rules.deceased(m) else COMBINATIONS
    period = encounter["period"]
    leave = (m.leave_extensions or [{}])[0].get("valuePeriod") or {}
    occurred = m.provenance.get("occurredDateTime")
    receiver = m.resolve(header["destination"][0].get("receiver"), "Organization", "receiver")
    return Notification(
        message_id=str(header["id"]), digest=body_digest, code=table[(activity, klass, status)],
        activity=activity, encounter_class=klass, encounter_status=status, episode=_episode(encounter)[:200],
        start=when(period["start"], "period.start"),
        end=when(period["end"], "period.end") if period.get("end") else None,
        cpr=identifier(m.patient, CPR_SYSTEM) or "",
        sender_sor=identifier(m.resolve(header["sender"], "Organization", "sender"), SOR_SYSTEM) or "",
        receiver_sor=identifier(receiver, SOR_SYSTEM) or "",
        occurred=when(occurred, "Provenance.occurredDateTime") if occurred else None,
        leave=tuple(when(leave[k], f"leave period {k}") if leave.get(k) else None for k in ("start", "end")))


def parse(raw: bytes) -> tuple[Notification | None, Problem | None, dict | None]:
    """(notification, None, body) for a valid message, else (None, problem, body or None)."""
    body = None
    try:
        body = load(raw)
        check_structure(body)
        parts = Parts(body)
        guide_rules.check(parts)
        return _facts(parts, digest(body)), None, body
    except RuleBroken as broken:
        return None, Problem(broken.code, broken.text, message_id(body), broken.key), body

