"""Drives pathways through the engine facade like staff would: valid form data, a movable clock."""
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select

from engine import service
from engine.models import WorklistItem
from forms.registry import load_form
from forms.validation import validate

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
REGION_OF = {"koebenhavn": "hovedstaden", "roskilde": "sjaelland", "odense": "syddanmark",
             "aarhus": "midtjylland", "aalborg": "nordjylland"}
MUNICIPALITY_OF = {region: m for m, region in REGION_OF.items()}
CONTACTS = {1: ["psykiatri"], 2: ["psykiatri", "kommune"], 3: ["kommune"]}
OPSTART_TOOLS = ("opstart_audit", "opstart_dudit", "opstart_suicide", "opstart_medicine",
                 "opstart_plan", "opstart_harm")
INPATIENT_STEPS = ("indlagt_contact", "indlagt_suicide", "indlagt_diagnostics", "indlagt_medicine",
                   "indlagt_treatment")


def at(day, hour=9):
    """An aware UTC datetime on an ISO day."""
    return datetime.combine(datetime.fromisoformat(day).date(), time(hour), tzinfo=UTC)


def _valid(component):
    """A value a well-behaved browser would send for a form component."""
    kind = component["type"]
    if kind in ("radio", "select"):
        return component.get("defaultValue") or component["values"][0]["value"]
    if kind == "checklist":
        return [o["value"] for o in component["values"]]
    if kind == "checkbox":
        return True
    if kind == "datetime":
        return "2025-09-01"
    if kind == "number":
        return component.get("validate", {}).get("min", 0)
    examples = {"tovholder": "tove", "tovholder_org": "kommune-koebenhavn", "municipality": "koebenhavn"}
    return examples.get(component["key"], "Notat fra testen.")


def form_data(form_id, **answers):
    """Validated form data: sensible answers for every field, overridden by ``answers``."""
    raw = {c["key"]: _valid(c) for c in load_form(form_id).fields}
    raw.update(answers)
    return validate(form_id, raw)


class Driver:
    """One deployed bundle plus a clock; every call goes through engine.service."""

    def __init__(self, session, now):
        self.session = session
        self.now = now
        self.version = service.deploy_directory(session, str(BPMN_DIR), "test")

    def advance(self, to):
        """Move the clock to ``to`` and fire every timer that is due; return how many fired."""
        self.now = to
        fired = service.tick(self.session, now=to)
        self.session.flush()
        return fired

    def refer(self, cpr, region="hovedstaden", group=2, received_at=None, sex="K"):
        """Register a patient and start a pathway with referral data."""
        municipality = MUNICIPALITY_OF[region]
        patient = service.register_patient(self.session, cpr, f"Patient {cpr}", sex, "1980-01-01",
                                           region, municipality)
        data = {"patient_id": patient.id, "region": region, "municipality": municipality,
                "region_org": f"region-{region}", "municipality_org": f"kommune-{municipality}",
                "contacts": CONTACTS[group], "referrer": "Egen læge",
                "received_at": received_at or self.now.date().isoformat(), "sex": sex}
        return service.start_pathway(self.session, patient.id, data, "visitator", now=self.now)

    def items(self, pathway):
        """The pathway's worklist rows of every kind (tasks and waits)."""
        return list(self.session.scalars(select(WorklistItem).where(WorklistItem.pathway_id == pathway.id)
                                         .order_by(WorklistItem.id)))

    def ready(self, pathway):
        """Spec names of the user tasks that can be worked now, sorted."""
        return sorted(i.task_spec for i in self.items(pathway) if i.kind == "task")

    def do(self, pathway, task_spec, **answers):
        """Complete the ready task named ``task_spec`` with valid form data."""
        item = next((i for i in service.ready_tasks(self.session, pathway.id) if i.task_spec == task_spec), None)
        assert item is not None, f"{task_spec} not ready; ready: {self.ready(pathway)}"
        data = form_data(item.form_id, **answers)
        return service.complete_task(self.session, pathway.id, item.task_id, data, "kliniker", now=self.now)

    def message(self, name, pathway, **payload):
        """Deliver a message (``indlagt``/``udskrevet``) to the patient's pathway."""
        return service.deliver_message(self.session, name, pathway.patient_id, payload, "hospital", now=self.now)

    def enrol(self, pathway):
        """Visitation (included) and enrolment: the pathway moves to Opstart."""
        self.do(pathway, "visitation", visitation_decision="inkluderet", exclusion_reason="")
        return self.do(pathway, "indskrivning")

    def through_opstart(self, pathway, decision="ustabil"):
        """Complete every Opstart tool and decide the next phase."""
        for task in OPSTART_TOOLS:
            if task in self.ready(pathway):  # a group-1 pathway has no municipal tools
                self.do(pathway, task)
        return self.do(pathway, "opstart_assess", phase_decision=decision)

    def to_stage(self, pathway, stage):
        """From a fresh referral, take the quickest route into ``stage``."""
        pathway = self.enrol(pathway)
        if stage == "opstart":
            return pathway
        pathway = self.through_opstart(pathway, "stabil" if stage in ("stabil", "overgang") else "ustabil")
        if stage == "overgang":
            pathway = self.do(pathway, "stabil_assess", phase_decision="overgang")
        return pathway

    def discharge(self, pathway, return_stage):
        """Walk the four inpatient phases and discharge to ``return_stage``."""
        for task in INPATIENT_STEPS:
            self.do(pathway, task)
        return self.do(pathway, "indlagt_discharge", return_stage=return_stage)

    def later(self, days):
        """The clock ``days`` days on."""
        return self.now + timedelta(days=days)
