"""What a clinician's browser would send: form answers read back from a task page's HTML.

Shared by the Locust scenario and the fault tests, so both click exactly like a user does.
"""
import random
import re
from datetime import date

from engine import clock
from forms.registry import form_ids, load_form
from webui.demo.filler import answers

# choices that keep pathways moving through the loop Ustabil ⇄ Stabil instead of ending
OVERRIDES = {
    "visitation": {"visitation_decision": "inkluderet"},
    "indskrivning": {"tovholder": "tovholder.kbh", "tovholder_org": "region-hovedstaden",
                     "needs_case_manager": False},
    "opstart_vurdering": {"phase_decision": "ustabil"},
    "ustabil_vurdering": {"phase_decision": "stabil"},
    "stabil_vurdering": {"phase_decision": "ustabil"},
}
# demo accounts (password demo1234) and how often each one is picked
ACCOUNTS = [("psyk.kbh", 2), ("rus.kbh", 2), ("tovholder.kbh", 1)]
PASSWORD = "demo1234"

TASK_LINK = re.compile(r'href="/forloeb/(\d+)/opgaver/([0-9a-f-]{36})"')
PATIENT_LINK = re.compile(r'href="/patienter/(\d+)"')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LOCK = re.compile(r'name="lock_version" value="(\d+)"')
NAME = re.compile(r'name="([a-z_][a-z0-9_]*)"')
_SIGNATURES = {}


def form_signatures():
    """{form id: set of input keys} of every form in forms/definitions."""
    if not _SIGNATURES:
        for form_id in form_ids():
            form = load_form(form_id)
            _SIGNATURES[form_id] = {f["key"] for f in form.fields if f.get("type") != "expression"}
    return _SIGNATURES


def identify_form(html: str) -> str | None:
    """The form id whose inputs best match the names on a task page."""
    names = set(NAME.findall(html)) - {"csrf_token", "lock_version", "action"}
    best, score = None, 0.0
    for form_id, keys in form_signatures().items():
        if not keys:
            continue
        overlap = len(keys & names) / len(keys | names)
        if overlap > score:
            best, score = form_id, overlap
    return best if score >= 0.5 else None


def worklist_rows(html: str):
    """[(patient_id, pathway_id, task_id)] of the task rows on a worklist page."""
    rows = []
    for chunk in html.split("<tr")[1:]:
        patient, task = PATIENT_LINK.search(chunk), TASK_LINK.search(chunk)
        if patient and task:
            rows.append((int(patient.group(1)), int(task.group(1)), task.group(2)))
    return rows


def task_post(html: str, today: date | None = None):
    """(form id, post fields) completing the task shown, or None when it is not editable."""
    csrf, lock = CSRF.search(html), LOCK.search(html)
    if not csrf or not lock or 'value="complete"' not in html:
        return None
    form_id = identify_form(html)
    if form_id is None:
        return None
    fields = [("csrf_token", csrf.group(1)), ("lock_version", lock.group(1)),
              ("action", "complete")]
    for key, value in answers(form_id, OVERRIDES.get(form_id), today=today).items():
        if isinstance(value, bool):
            if value:
                fields.append((key, "on"))
        elif isinstance(value, (list, tuple)):
            fields.extend((key, str(v)) for v in value)
        else:
            fields.append((key, str(value)))
    return form_id, fields


def random_cpr(rng=random) -> str:
    """A valid CPR-shaped number of someone born 1940–1999 (7th digit 0–3: the 1900s)."""
    year = rng.randint(40, 99)
    return f"{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}{year:02d}{rng.randint(0, 3999):04d}"


def referral_fields(csrf: str, rng=random) -> list:
    """A valid referral post for a patient in København, known to psychiatry and the municipality."""
    return [("csrf_token", csrf), ("cpr", random_cpr(rng)),
            ("name", f"Belastning {rng.randint(1, 10**6)}"), ("region", "hovedstaden"),
            ("municipality", "koebenhavn"), ("contacts", "psykiatri"), ("contacts", "kommune"),
            ("referrer", "Egen læge"), ("received_at", clock.today().isoformat())]
