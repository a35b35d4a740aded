"""Run scenarios against a candidate bundle on a throw-away in-memory database.

Every step goes through the real engine facade (engine.service) with a movable clock; form
answers are validated against the candidate's own forms, as a clinician's would be. After each
step the invariants are checked for the scenario's pathway.
"""
import json
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from engine import service
from engine.db import Base
from engine.modeling import collecting_reached, read_source
from engine.models import WorklistItem
from forms.registry import load_form, parse_form
from forms.validation import FormInvalid, validate
from scenarios.catalogue import load_all

REGION_MUNICIPALITY = {"hovedstaden": "koebenhavn", "sjaelland": "roskilde",
                       "syddanmark": "odense", "midtjylland": "aarhus", "nordjylland": "aalborg"}
CONTACTS = {1: ["psykiatri"], 2: ["psykiatri", "kommune"], 3: ["kommune"]}
OUTPATIENT = ("opstart", "ustabil", "stabil", "overgang")


class StepFailed(Exception):
    """A scenario step did not go as written."""


def at(day, hour=9):
    """An aware UTC datetime on an ISO day."""
    return datetime.combine(datetime.fromisoformat(day).date(), time(hour), tzinfo=UTC)


def _answer(component):
    """A sensible answer for a form component (what a careful clinician would enter)."""
    kind = component["type"]
    if kind in ("radio", "select"):
        return component.get("defaultValue") or component["values"][0]["value"]
    if kind in ("checklist", "taglist"):
        return [o["value"] for o in component["values"]]
    if kind == "checkbox":
        return True
    if kind == "datetime":
        return {"time": "09:00", "datetime": "2026-01-05T09:00"}.get(component.get("subtype"), "2026-01-05")
    if kind == "number":
        return component.get("validate", {}).get("min", 0)
    examples = {"tovholder": "tove", "tovholder_org": "kommune-koebenhavn"}
    return examples.get(component["key"], "Notat fra scenariet.")


class Journey:
    """One scenario's patient on one throw-away database."""

    def __init__(self, session, files, start):
        self.session, self.files = session, files
        self.now = at(start)
        self.pathway = None
        self.cpr_no = 0

    def form(self, form_id):
        """The candidate's own form (the repository's when the bundle carries none)."""
        text = self.files.get(f"forms/{form_id}.json")
        return parse_form(form_id, text) if text is not None else load_form(form_id)

    def refer(self, spec):
        """Register the scenario's patient and start the pathway."""
        region = spec.get("region", "hovedstaden")
        municipality = REGION_MUNICIPALITY[region]
        self.cpr_no += 1
        patient = service.register_patient(self.session, f"{spec.get('cpr', 1912800000 + self.cpr_no)}",
                                           "Scenariepatient", spec.get("sex", "K"), "1980-01-01",
                                           region, municipality)
        group = spec.get("group", 1)
        data = {"patient_id": patient.id, "region": region, "municipality": municipality,
                "region_org": f"region-{region}", "municipality_org": f"kommune-{municipality}",
                "contacts": CONTACTS[group], "referrer": "Egen læge", "sex": spec.get("sex", "K"),
                "received_at": spec.get("received_at") or self.now.date().isoformat()}
        self.pathway = service.start_pathway(self.session, patient.id, data, "scenarie",
                                             now=self.now)

    def ready(self):
        """Spec names of the ready user tasks, sorted."""
        return sorted(i.task_spec for i in service.ready_tasks(self.session, self.pathway.id))

    def do(self, task_spec, answers=None):
        """Complete a ready task with answers checked against the version's form."""
        item = next((i for i in service.ready_tasks(self.session, self.pathway.id)
                     if i.task_spec == task_spec), None)
        if item is None:
            raise StepFailed(f"opgaven '{task_spec}' er ikke klar; klar er: "
                             f"{', '.join(self.ready()) or 'ingen'}")
        definition = self.form(item.form_id)
        raw = {c["key"]: _answer(c) for c in definition.fields}
        raw.update(answers or {})
        try:
            data = validate(definition, raw)
        except FormInvalid as exc:
            raise StepFailed(f"formularen '{item.form_id}' afviser svarene: {exc.errors}") from exc
        self.pathway = service.complete_task(self.session, self.pathway.id, item.task_id, data,
                                             "scenarie", now=self.now)

    def advance(self, value):
        """Move the clock (days, an ISO date, or to the phase-in date) and fire due timers."""
        if value == "phase_in":
            if not self.pathway.waiting_until:
                return
            target = datetime.combine(self.pathway.waiting_until, time(1), tzinfo=UTC)
        elif isinstance(value, int):
            target = self.now + timedelta(days=value)
        else:
            target = at(value)
        self.now = max(self.now, target)
        service.tick(self.session, now=self.now)
        self.session.flush()

    def message(self, name, payload=None):
        """Deliver a hospital message to the pathway."""
        self.pathway = service.deliver_message(self.session, name, self.pathway.patient_id,
                                               payload or {}, "scenarie", now=self.now)

    def expect(self, wanted):
        """Compare the pathway with what the step expects (StepFailed on a difference)."""
        p = self.pathway
        self.session.refresh(p)
        actual = {"stage": p.stage, "status": p.status, "phase": p.phase, "group": p.group_no,
                  "waiting": p.waiting_until is not None, "end_reason": p.end_reason,
                  "guarantee_breached": bool(p.guarantee_breached),
                  "tovholder": bool(p.tovholder and p.tovholder_org)}
        for key, value in wanted.items():
            if key in ("ready", "ready_includes"):
                ready = self.ready()
                ok = ready == sorted(value) if key == "ready" else set(value) <= set(ready)
                if not ok:
                    raise StepFailed(f"klare opgaver er {ready or 'ingen'}, forventet {value}")
            elif key == "lanes":
                lanes = sorted({i.lane for i in self.session.scalars(select(WorklistItem).where(
                    WorklistItem.pathway_id == p.id, WorklistItem.kind == "task"))})
                if lanes != sorted(value):
                    raise StepFailed(f"opgaverne ligger i sporene {lanes}, forventet {value}")
            elif key not in actual:
                raise StepFailed(f"ukendt forventning '{key}'")
            elif actual[key] != value:
                raise StepFailed(f"{key} er {actual[key]!r}, forventet {value!r}")

    def invariants(self):
        """Rules every journey must keep, whatever the scenario says."""
        p = self.pathway
        if p is None or p.status != "active":
            return
        if p.stage in OUTPATIENT and not (p.tovholder and p.tovholder_org):
            raise StepFailed(f"fasen {p.stage} er startet uden tovholder")
        if p.stage != "henvisning" and p.stage is not None:
            data = service.pathway_data(self.session, p.id)
            if not data.get("enrolled_at"):
                raise StepFailed("garantien er afgjort uden en behandlingsstart (indskrivning)")
            enrolled = datetime.fromisoformat(str(data["enrolled_at"])).date()
            due = p.guarantee_due
            if due is not None and bool(p.guarantee_breached) != (enrolled > due):
                raise StepFailed(f"garantien ({'brudt' if p.guarantee_breached else 'overholdt'}) "
                                 f"passer ikke med behandlingsstarten {enrolled} og fristen {due}")


def _step(journey, step):
    if "refer" in step:
        journey.refer(step["refer"])
    elif "do" in step:
        journey.do(step["do"], step.get("answers"))
    elif "do_all" in step:
        for task in step["do_all"]:
            journey.do(task)
    elif "advance" in step:
        journey.advance(step["advance"])
    elif "message" in step:
        journey.message(step["message"], step.get("payload"))
    elif "expect" in step:
        journey.expect(step["expect"])
    journey.invariants()


def run_one(files, scenario):
    """Run one scenario on its own in-memory database; return its result."""
    result = {"id": scenario["id"], "title": scenario["title"], "ok": True, "step": None,
              "message": None}
    bind = create_engine("sqlite://", poolclass=StaticPool,
                         connect_args={"check_same_thread": False})
    Base.metadata.create_all(bind)
    step_no = 0
    try:
        with Session(bind) as session, collecting_reached() as reached:
            result["reached"] = reached  # the stages and elements this journey reaches
            service.deploy_bundle(session, files, "scenarie", note="scenarie")
            journey = Journey(session, files, scenario["start"])
            for step_no, step in enumerate(scenario["steps"], start=1):  # noqa: B007 (read in except)
                _step(journey, step)
    except Exception as exc:  # any failure of the candidate is this scenario's result
        result.update(ok=False, step=step_no or None, message=_message(exc))
    finally:
        bind.dispose()
    result["reached"] = sorted(result.get("reached") or ())
    return result


def _message(exc):
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:400]


def run_all(files, scenarios=None):
    """Run the scenarios (default: all of bpmn/scenarios) against a bundle {name: text}."""
    files = {n: (d.decode("utf-8") if isinstance(d, bytes) else d) for n, d in files.items()}
    return [run_one(files, s) for s in (scenarios if scenarios is not None else load_all())]


if __name__ == "__main__":  # python -m scenarios.runner: run the scenarios against bpmn/
    for line in run_all(read_source(Path(__file__).resolve().parent.parent / "bpmn")):
        print(json.dumps(line, ensure_ascii=False))
