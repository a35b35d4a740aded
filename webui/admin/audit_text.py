"""The audit log as sentences: what a user did, in Danish (English when chosen), with readable details.

Entries keep their code names (`view_patient`) and raw detail in the database; this module
only renders them. An unknown code is shown as it is, so nothing is ever hidden.
"""
import ast
import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

ACTIONS = {
    "acute_start": _l("startede et akut forløb"),
    "add_competence": _l("registrerede en kompetence"),
    "add_organisation": _l("oprettede en organisation"),
    "add_supervision": _l("registrerede en supervision"),
    "admit": _l("registrerede en indlæggelse"),
    "api_denied": _l("blev afvist af API'et"),
    "api_event": _l("modtog en hændelse fra et hospitalssystem"),
    "api_event_replay": _l("modtog en hændelse, der var besvaret før"),
    "complete_task": _l("afsluttede en opgave"),
    "definition_propose": _l("foreslog en ny version af forløbsbeskrivelsen"),
    "discard_draft": _l("kasserede en kladde"),
    "end_sessions": _l("afsluttede en brugers sessioner"),
    "export_dashboard": _l("eksporterede et overblik"),
    "fhir_read": _l("læste data via FHIR"),
    "hn_message": _l("modtog en hospitalsmeddelelse"),
    "hn_refused": _l("afviste en hospitalsmeddelelse"),
    "hn_replay": _l("modtog en hospitalsmeddelelse, der var behandlet før"),
    "login": _l("loggede ind"),
    "logout": _l("loggede ud"),
    "migrate_pathway": _l("flyttede et forløb til en ny version"),
    "migration": _l("startede eller afsluttede en flytning af forløb"),
    "read_notice": _l("læste en meddelelse"),
    "refer": _l("henviste en patient"),
    "refer_lookup": _l("slog et CPR-nummer op til en henvisning"),
    "refer_refused": _l("fik en henvisning afvist"),
    "save_draft": _l("gemte en kladde"),
    "search_patients": _l("søgte efter patienter"),
    "toggle_organisation": _l("ændrede en organisations status"),
    "unread_notice": _l("markerede en meddelelse som ulæst"),
    "view_audit": _l("læste auditloggen"),
    "view_caseload": _l("så sin sagsstamme"),
    "view_competencies": _l("så kompetenceoversigten"),
    "view_conflict": _l("så en konflikt ved samtidig redigering"),
    "view_dashboard": _l("så et overblik"),
    "view_diagram": _l("så forløbets diagram"),
    "view_notice": _l("så en meddelelse"),
    "view_patient": _l("så patientens side"),
    "view_record": _l("så en registrering"),
    "view_task": _l("åbnede en opgave"),
    "view_unit_competencies": _l("så enhedens kompetencer"),
    "view_worklist": _l("så arbejdslisten"),
}

KEYS = {
    "activation": _l("aktivering"), "active": _l("aktiv"), "at": _l("tidspunkt"),
    "code": _l("kode"), "consent": _l("samtykke"), "contact": _l("kontakt"),
    "contacts": _l("kontakter"), "ended": _l("afsluttede"), "expires": _l("udløber"),
    "filters": _l("filtre"), "followup": _l("opfølgning"), "followups": _l("opfølgninger"),
    "mine": _l("kun mine"), "notice": _l("meddelelse"), "org": _l("organisation"),
    "page": _l("side"), "parent": _l("overordnet"), "questionnaire": _l("spørgeskema"),
    "reason": _l("årsag"), "received_at": _l("modtaget"), "record": _l("registrering"),
    "rows": _l("rækker"), "scope": _l("omfang"), "stage": _l("fase"), "lane": _l("spor"),
    "user": _l("bruger"), "zone": _l("zone"),
}

# key=value, where a value may be a Python dict or list as older entries wrote them
_PAIR = re.compile(r"\b([a-z_]+)=(\{[^}]*\}|\[[^\]]*\]|\S+)")


def action_sentence(actor: str, action: str) -> str:
    """'psyk.kbh så patientens side.' (the code itself when it is not known)."""
    phrase = ACTIONS.get(action)
    return _("%(who)s %(did)s.", who=actor, did=phrase) if phrase else f"{actor}: {action}"


def _value(text: str) -> str:
    """A detail value for people: dicts and lists unpacked, booleans in words."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text
    if isinstance(value, bool):
        return _("ja") if value else _("nej")
    if isinstance(value, dict):
        return ", ".join(f"{KEYS.get(k, k)} {_value(repr(v))}" for k, v in value.items()) or "–"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "–"
    return str(value)


def readable_detail(detail: str | None) -> str:
    """'filters={'page': 1} rows=25' → 'filtre: side 1; rækker: 25'; free text stays as it is."""
    if not detail:
        return ""
    pairs = _PAIR.findall(detail)
    rest = _PAIR.sub("", detail).strip(" ,;")
    shown = [f"{KEYS.get(key, key)}: {_value(value)}" for key, value in pairs]
    return "; ".join(shown + ([rest] if rest else []))
