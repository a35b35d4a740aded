"""A message Bundle by role: its MessageHeader, Patient, Encounter, Organizations and
Provenances, with references resolved inside the Bundle (the guide's references are bundled).

The rule checks (guide_rules.py) and the facts a notification carries (hospital_notification.py)
read the message through this one view, so a reference resolves the same way for both.
"""
from datetime import UTC, datetime
from functools import cached_property

from webui.fhir.message_body import RuleBroken


class Parts:
    """The entries of one message Bundle, looked up by fullUrl, 'Type/id' and role."""

    def __init__(self, body: dict):
        self.body = body
        self.resources: list[dict] = []
        self.by_ref: dict[str, dict] = {}
        self.clashes: list[str] = []   # keys two different entries claim (FHIR's bdl-7)
        for entry in body["entry"]:
            resource = entry.get("resource") or {}
            self.resources.append(resource)
            local = f"{resource.get('resourceType')}/{resource.get('id')}"
            for key in {entry.get("fullUrl"), local} - {None, "None/None"}:
                if key in self.by_ref and self.by_ref[key] is not resource:
                    self.clashes.append(key)
                self.by_ref.setdefault(key, resource)

    @property
    def header(self) -> dict:
        """The first entry (the MessageHeader, once the rules have said so)."""
        return self.resources[0]

    def of_type(self, kind: str) -> list[dict]:
        """All resources of one type."""
        return [r for r in self.resources if r.get("resourceType") == kind]

    def find(self, reference) -> dict | None:
        """The resource a Reference points at (by fullUrl, 'Type/id' or a URL ending in it)."""
        ref = (reference or {}).get("reference") if isinstance(reference, dict) else None
        if not isinstance(ref, str) or not ref:
            return None
        found = self.by_ref.get(ref)
        if found is None and "/" in ref:
            found = self.by_ref.get("/".join(ref.rstrip("/").split("/")[-2:]))
        return found

    def resolve(self, reference, kind: str, what: str) -> dict:
        """The bundled resource of type `kind` a Reference points at (RuleBroken otherwise)."""
        found = self.find(reference)
        if found is None or found.get("resourceType") != kind:
            raise RuleBroken("HN-REFERENCE", f"{what} does not point at a {kind} in the Bundle")
        return found

    @cached_property
    def patient(self) -> dict:
        """The one Patient."""
        return self.of_type("Patient")[0]

    @cached_property
    def encounter(self) -> dict:
        """The MessageHeader's focus."""
        return self.resolve((self.header.get("focus") or [{}])[0], "Encounter", "MessageHeader.focus")

    @cached_property
    def provenance(self) -> dict:
        """The Provenance of this message (the rules have checked there is exactly one)."""
        return self.provenances_of_this_message()[0]

    def provenances_of_this_message(self) -> list[dict]:
        """The Provenances whose target is this MessageHeader (a bundle carries the Provenances
        of the stay's earlier messages too, whose targets lie outside it)."""
        return [p for p in self.of_type("Provenance")
                if any(self.find(t) is self.header for t in p.get("target") or [])]

    @property
    def leave_extensions(self) -> list[dict]:
        """The Encounter's leave-period extensions."""
        return [x for x in self.encounter.get("extension") or []
                if str(x.get("url", "")).endswith("leave-period-extension")]


def identifier(resource: dict, system: str) -> str | None:
    """The value of a resource's first identifier in `system`."""
    for ident in resource.get("identifier") or []:
        if isinstance(ident, dict) and ident.get("system") == system and ident.get("value"):
            return str(ident["value"])
    return None


def when(text, what: str) -> datetime:
    """A FHIR dateTime as UTC (a time without a zone is ambiguous, so it is refused)."""
    try:
        value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise RuleBroken("HN-PERIOD", f"{what} is not a date-time") from None
    if value.tzinfo is None:
        raise RuleBroken("HN-PERIOD", f"{what} has no time and time zone")
    return value.astimezone(UTC)
