"""The crisis plan and the relapse-prevention plan: forms in the versioned definitions
(`kriseplan`, `tilbagefaldsplan`), filled in by staff with the patient, shown to the patient.

A process owner changes a plan's fields in the modeler like any other form (four eyes); the
staff editor and the patient's page follow the form of the patient's pathway version. Every
save is a new version of the plan; earlier versions are kept.
"""
from sqlalchemy import select

from engine.models import Pathway, TaskRecord
from forms.validation import validate
from webui.extensions import db
from webui.pathways.definitions import version_form
from webui.patient.models import CrisisPlan

KINDS = ("kriseplan", "tilbagefaldsplan")
COORDINATED_PLAN = "koordineret_plan"
TEXT_TYPES = {"textfield", "textarea"}
CRISIS_COLUMNS = ("warning_signs", "what_helps", "call_day", "call_night")


def version_of(patient_id: int) -> int | None:
    """The definition version of the patient's newest pathway (None: the repository's forms)."""
    return db.session.scalar(select(Pathway.version_id).where(Pathway.patient_id == patient_id)
                             .order_by(Pathway.started_at.desc(), Pathway.id.desc()).limit(1))


def fields(kind: str, version_id=None) -> list[dict]:
    """The plan form's input fields: key, label, type and whether it is required."""
    form = version_form(version_id, kind)
    return [{"key": f["key"], "label": f.get("label", f["key"]), "type": f.get("type"),
             "required": bool((f.get("validate") or {}).get("required"))}
            for f in form.fields if f.get("type") in TEXT_TYPES]


def latest(patient_id: int, kind: str) -> CrisisPlan | None:
    """The newest version of one of the patient's plans, or None."""
    return db.session.scalar(select(CrisisPlan).where(CrisisPlan.patient_id == patient_id,
                                                      CrisisPlan.kind == kind)
                             .order_by(CrisisPlan.version.desc()).limit(1))


def save(patient_id: int, kind: str, raw: dict, actor: str) -> CrisisPlan:
    """Validate against the plan's form and add a new version; FormInvalid names what is wrong."""
    if kind not in KINDS:
        raise ValueError(kind)
    version_id = version_of(patient_id)
    keys = {f["key"] for f in fields(kind, version_id)}
    data = validate(version_form(version_id, kind), {k: str(v).strip() for k, v in raw.items() if k in keys})
    data = {k: v for k, v in data.items() if v not in (None, "")}
    previous = latest(patient_id, kind)
    plan = CrisisPlan(patient_id=patient_id, kind=kind, version=(previous.version + 1) if previous else 1,
                      data=data, definition_version_id=version_id, created_by=actor,
                      **{c: data.get(c, "") for c in CRISIS_COLUMNS})
    db.session.add(plan)
    db.session.flush()
    return plan


def values(plan: CrisisPlan | None) -> dict:
    """The saved field values of a plan (rows from before the forms: the four crisis columns)."""
    if plan is None:
        return {}
    return dict(plan.data) if plan.data is not None else {c: getattr(plan, c) for c in CRISIS_COLUMNS}


def shown(plan: CrisisPlan | None, kind: str) -> list[tuple[str, str]]:
    """(label, text) of a saved plan in its form's order, labels from the version it was saved with."""
    if plan is None:
        return []
    data = values(plan)
    return [(f["label"], data[f["key"]]) for f in fields(kind, plan.definition_version_id)
            if data.get(f["key"])]


def coordinated_plan(pathway) -> list[tuple[str, str]]:
    """(label, text) of the newest coordinated plan's fields meant for the patient.

    Only the fields the form lists in `x-forlob.patient_fields` (goals in the patient's own
    words, agreed activities) are shown; the clinicians' notes never are."""
    if pathway is None:
        return []
    record = db.session.scalar(select(TaskRecord).where(
        TaskRecord.pathway_id == pathway.id, TaskRecord.form_id == COORDINATED_PLAN,
        TaskRecord.kind == "task").order_by(TaskRecord.at.desc(), TaskRecord.id.desc()).limit(1))
    if record is None:
        return []
    form = version_form(record.version_id, COORDINATED_PLAN)
    labels = {f["key"]: f.get("label", f["key"]) for f in form.fields}
    data = record.data or {}
    return [(labels[key].split(" (")[0], str(data[key])) for key in form.meta.get("patient_fields", [])
            if key in labels and data.get(key)]
