"""The variable names a pathway's data can hold, so that misspelt names are caught before a run.

A name can exist when it is a field of one of the bundle's forms, a key of the start data, a key
the engine itself keeps, a key a hospital message carries, an output of a decision table, or a
name some script of the bundle assigns. Everything else an expression reads is a mistake.
"""
import ast
import hashlib
import json
from functools import lru_cache

from engine.definitions.parsing import parse_xml, split_bundle
from engine.definitions.rules import NS, _local, _owner_id, _properties
from engine.errors import InvalidDefinition
from engine.sandbox.expressions import KINDS, is_iso_literal, unknown_message, unknown_names

# the henvisning stage's start data (contracts §4; webui/pathways/referral.py start_data)
START_KEYS = ("patient_id", "region", "municipality", "region_org", "municipality_org", "contacts",
              "referrer", "received_at", "sex", "referral_reason")
# what the engine keeps in every run's data (engine/runtime/pathways.py ENGINE_KEYS)
RUNTIME_KEYS = ("stage", "previous_stage", "stage_entered_at", "run_started_at", "pathway_id",
                "patient_id")
# what hospital messages carry (webui/api: admission and discharge events)
MESSAGE_KEYS = ("admission_reason", "return_stage", "discharge_note", "discharge_date",
                "source_event", "admitted_by")
# what the patient area writes when a patient answers the patient task of a stage, and what the
# home_triage decision reads (webui/patient/questionnaires.py, webui/patient/instruments.py)
PATIENT_KEYS = ("home_instrument", "home_band", "home_call_now", "home_zone", "home_score")
DMN_PARTS = ("inputExpression", "inputEntry", "outputEntry")


def expressions(name, root):
    """Yield (element id, line, kind, text) of every expression in one BPMN or DMN document."""
    if name.endswith(".dmn"):
        for el in root.iter():
            if _local(el) in DMN_PARTS:
                text_el = next((c for c in el if _local(c) == "text"), None)
                text = (text_el.text or "").strip() if text_el is not None else ""
                if text and text != "-":
                    yield _owner_id(el), el.sourceline, "dmn" if _local(el) == "inputEntry" else "condition", text
        return
    for cond in root.iterfind(".//bpmn:conditionExpression", NS):
        yield _owner_id(cond), cond.sourceline, "condition", cond.text or ""
    for script in root.iterfind(".//bpmn:scriptTask/bpmn:script", NS):
        yield _owner_id(script), script.sourceline, "script", script.text or ""
    for tag in ("preScript", "postScript"):
        for script in root.iterfind(f".//spiffworkflow:{tag}", NS):
            yield _owner_id(script), script.sourceline, "script", script.text or ""
    for tag in ("timeDate", "timeDuration", "timeCycle"):
        for timer in root.iterfind(f".//bpmn:{tag}", NS):
            if not is_iso_literal(timer.text or ""):
                yield _owner_id(timer), timer.sourceline, "timer", timer.text or ""
    for task in root.iterfind(".//bpmn:userTask", NS):
        if _properties(task).get("due"):
            yield task.get("id"), task.sourceline, "due", _properties(task)["due"]


def _assigned(text):
    """Names a script assigns (the data keys it creates)."""
    try:
        tree = ast.parse(text.strip(), mode="exec")
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _form_keys(text):
    """The field keys of one form-js file (nothing when it does not parse)."""
    try:
        schema = json.loads(text)
    except ValueError:
        return set()
    keys, stack = set(), list(schema.get("components") or []) if isinstance(schema, dict) else []
    while stack:
        component = stack.pop()
        if isinstance(component, dict):
            if isinstance(component.get("key"), str):
                keys.add(component["key"])
            stack.extend(component.get("components") or [])
    scoring = (schema.get("x-forlob") or {}).get("scoring") if isinstance(schema, dict) else None
    if isinstance(scoring, dict):  # computed on submit (forms/scoring.py)
        zone = scoring.get("zone_key")
        keys |= {k for k in (scoring.get("score_key"), zone, zone and f"{zone}_label",
                             scoring.get("cutoff_key")) if isinstance(k, str)}
    return keys


@lru_cache(maxsize=256)
def _names_of_file(name, digest, data):
    """The names one file brings into the data (cached by content)."""
    if name.startswith("forms/"):
        return frozenset(_form_keys(data))
    try:
        root = parse_xml(name, data)
    except InvalidDefinition:
        return frozenset()
    if name.endswith(".dmn"):
        return frozenset(el.get("name") for el in root.iter() if _local(el) == "output" and el.get("name"))
    return frozenset(n for _el, _line, kind, text in expressions(name, root) if KINDS[kind] == "exec"
                     for n in _assigned(text))


def _as_bytes(data):
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def known_names(files) -> frozenset[str]:
    """Every name the data of a pathway on this bundle ({file name: text or bytes}) can hold."""
    names = set(START_KEYS) | set(RUNTIME_KEYS) | set(MESSAGE_KEYS) | set(PATIENT_KEYS)
    for name, data in files.items():
        if data is None:
            continue
        raw = _as_bytes(data)
        names |= _names_of_file(name, hashlib.sha256(raw).hexdigest(), raw)
    return frozenset(names)


def name_problems(files) -> list[tuple[str, str | None, int | None, str]]:
    """(file, element, line, Danish message) of every expression that reads an unknown name.

    Only a bundle that carries its forms is checked: without them a field's name cannot be known.
    """
    diagrams, forms = split_bundle({n: d for n, d in files.items() if d is not None})
    if not forms:
        return []
    known = known_names(files)
    problems = []
    for name in sorted(diagrams):
        try:
            root = parse_xml(name, _as_bytes(diagrams[name]))
        except InvalidDefinition:
            continue  # the rules report it
        for element, line, kind, text in expressions(name, root):
            unknown = unknown_names(kind, text, known)
            if unknown:
                problems.append((name, element, line, unknown_message(unknown)))
    return problems
