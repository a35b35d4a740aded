"""Load the scenario files (bpmn/scenarios/*.json) and describe their steps in Danish."""
import json
from pathlib import Path

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "bpmn" / "scenarios"
STEP_KINDS = ("refer", "do", "do_all", "advance", "message", "expect")


class ScenarioError(ValueError):
    """A scenario file is malformed."""


def load(path):
    """One scenario from its JSON file, checked for shape."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    for key in ("id", "title", "start", "steps"):
        if key not in data:
            raise ScenarioError(f"{Path(path).name}: '{key}' is missing")
    for i, step in enumerate(data["steps"], 1):
        kinds = [k for k in STEP_KINDS if k in step]
        if len(kinds) != 1:
            raise ScenarioError(f"{data['id']} step {i}: exactly one of {STEP_KINDS} expected")
    return data


def load_all(directory=SCENARIO_DIR):
    """Every scenario, sorted by file name."""
    return [load(p) for p in sorted(Path(directory).glob("*.json"))]


EXPECT_LABELS = {"stage": "stadie", "phase": "fase", "status": "status", "group": "gruppe",
                 "waiting": "venter på indfasning", "guarantee_breached": "garantien er brudt",
                 "tovholder": "har tovholder", "end_reason": "afslutningsårsag",
                 "ready": "klare opgaver", "ready_includes": "klare opgaver omfatter",
                 "lanes": "opgaver i sporene"}


def _value(value):
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "ingen"
    return str(value)


def _answers(answers, labels=None):
    return "; ".join(f"{(labels or {}).get(k, k)}: {_value(v)}"
                     for k, v in (answers or {}).items() if v not in ("", None))


def task_names(bundle):
    """{task id: its name in the diagrams} of a parsed bundle, for readable steps."""
    return {spec_id: spec.bpmn_name for info in bundle.processes.values()
            for spec_id, spec in info.spec.task_specs.items() if getattr(spec, "bpmn_name", None)}


def _task(task_id, names):
    name = (names or {}).get(task_id)
    return f"“{name}” ({task_id})" if name else task_id


def describe_step(step, names=None):
    """A readable Danish line for one step (`names`: task id → name, from task_names)."""
    if "refer" in step:
        r = step["refer"]
        return (f"Henvisning: region {r.get('region', 'hovedstaden')}, gruppe {r.get('group', 1)}"
                + (f", modtaget {r['received_at']}" if r.get("received_at") else ""))
    if "do" in step:
        extra = _answers(step.get("answers"))
        return f"Udfør opgaven {_task(step['do'], names)}" + (f" med {extra}" if extra else "")
    if "do_all" in step:
        return "Udfør opgaverne " + ", ".join(_task(t, names) for t in step["do_all"])
    if "advance" in step:
        value = step["advance"]
        if value == "phase_in":
            return "Vent til indfasningsdatoen (hvis forløbet venter)"
        return f"Tiden går: {value} dage" if isinstance(value, int) else f"Tiden går til {value}"
    if "message" in step:
        extra = _answers(step.get("payload"))
        return f"Besked modtaget: {step['message']}" + (f" ({extra})" if extra else "")
    return "Forventet: " + _answers(step["expect"], EXPECT_LABELS)
