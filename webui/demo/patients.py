"""Demo patients in every phase, made by driving the real engine with valid form answers.

Each patient is referred some days ago and then walked through the pathway by completing
open tasks (by form id) with answers from webui.demo.filler, one step a day on the engine's
clock. Nothing is written to the tables directly.
"""
from datetime import UTC, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from engine import clock as engine_clock
from engine import service
from engine.models import Patient, WorklistItem
from forms.validation import validate
from webui.demo.filler import answers
from webui.demo.organisations import MUNICIPALITIES, municipality_org, region_org
from webui.pathways import cpr as cpr_rules
from webui.pathways.patient_choice import END_REASON as DECLINED_END

# lane → who completes demo tasks (hovedstaden demo users; elsewhere a generic demo actor)
LANE_ACTORS = {"psykiatri": "psyk.kbh", "kommune": "rus.kbh", "tovholder": "tovholder.kbh"}
MUNICIPAL_FORMS = ("koordineret_plan", "skadesreduktion")
MUNICIPAL_ACTORS = {"koebenhavn": "rus.kbh", "frederiksberg": "rus.frb"}

ENROL = {"tovholder": "tovholder.kbh", "tovholder_org": "region-hovedstaden",
         "needs_case_manager": False}
OPSTART_TOOLS = [("audit", None), ("dudit", None),
                 ("selvmordsrisiko", {"suicide_risk_level": "lav"}),
                 ("medicingennemgang", None), ("koordineret_plan", None), ("skadesreduktion", None)]

# target → the steps that bring a new referral there: (form id, overrides) or ("message", name)
PATHS = {
    "visitation": [],
    "afvist": [("visitation", {"visitation_decision": "afvist", "exclusion_reason": "oensker_ikke"})],
    "opstart": [("visitation", {"visitation_decision": "inkluderet"}), ("indskrivning", ENROL)],
}
PATHS["opstart_delvis"] = PATHS["opstart"] + OPSTART_TOOLS[:2]
PATHS["ustabil"] = PATHS["opstart"] + OPSTART_TOOLS + [("opstart_vurdering", {
    "phase_decision": "ustabil", "complexity_tier": "hoej",
    "complexity_reason": "Demo: hjemløs, flere rusmidler og somatisk sygdom"})]
PATHS["ustabil_aktiv"] = PATHS["ustabil"] + [
    ("ustabil_aktivitet", {"activity_type": "behandlingssamtale", "duration_minutes": 60,
                           "contact_form": "fremmoede"})]
PATHS["stabil"] = PATHS["ustabil"] + [("ustabil_vurdering", {"phase_decision": "stabil"})]
PATHS["overgang"] = PATHS["stabil"] + [("stabil_vurdering", {"phase_decision": "overgang"})]
PATHS["indlagt"] = PATHS["ustabil"] + [("message", "indlagt")]
# the admission during referral, the acute start enrolled during its stay, and the patient's
# own choice after enrolment (a later start; declining, which also ends the pathway)
INPATIENT = [("indlagt_henvendelse", None), ("selvmordsrisiko", {"suicide_risk_level": "lav"}),
             ("indlagt_diagnostik", None), ("medicingennemgang", None)]
PATHS["indlagt_fra_henvisning"] = [("message", "indlagt")]
PATHS["akut_indskrevet"] = INPATIENT + [("indskrivning", ENROL)]
PATHS["udsat"] = PATHS["opstart"] + [("choice", "postponed")]
PATHS["fravalgt"] = PATHS["opstart"] + [("choice", "declined")]
CHOICE_REASONS = {"postponed": "Demo: ønsker at starte efter sin eksamen",
                  "declined": "Demo: ønsker ikke behandling nu"}
PATHS["afsluttet"] = PATHS["overgang"] + [("overgang_vurdering", {"phase_decision": "gennemfoer"}),
                                          ("overdragelse", {"handover_to": "primaer_sektor"}),
                                          ("koordineret_plan", None)]

FIRST = ["Anna", "Bo", "Camilla", "Dennis", "Emma", "Frederik", "Gitte", "Henrik", "Ida", "Jonas",
         "Karen", "Lars", "Maja", "Nikolaj", "Olivia", "Peter", "Rikke", "Søren", "Tina", "Ulrik"]
LAST = ["Andersen", "Berg", "Christensen", "Dahl", "Eriksen", "Frost", "Holm", "Jensen", "Krogh",
        "Lund", "Mortensen", "Nielsen", "Olsen", "Poulsen", "Rasmussen", "Skov"]

# (target, municipality, contacts, days since referral) — mostly the demo users' organisations
PLAN = [
    ("visitation", "koebenhavn", ["psykiatri"], 2), ("visitation", "koebenhavn", ["psykiatri", "kommune"], 9),
    ("visitation", "frederiksberg", ["kommune"], 16), ("visitation", "gentofte", ["psykiatri"], 20),
    ("afvist", "koebenhavn", ["psykiatri"], 12), ("opstart", "koebenhavn", ["psykiatri"], 6),
    ("opstart", "koebenhavn", ["psykiatri", "kommune"], 10), ("opstart", "frederiksberg", ["psykiatri", "kommune"], 8),
    ("opstart_delvis", "koebenhavn", ["kommune"], 14), ("opstart_delvis", "frederiksberg", ["psykiatri"], 30),
    ("opstart", "gentofte", ["psykiatri", "kommune"], 40), ("ustabil", "koebenhavn", ["psykiatri"], 35),
    ("ustabil", "koebenhavn", ["psykiatri", "kommune"], 50), ("ustabil_aktiv", "frederiksberg", ["kommune"], 60),
    ("ustabil", "gentofte", ["psykiatri"], 45), ("ustabil_aktiv", "koebenhavn", ["psykiatri", "kommune"], 70),
    ("stabil", "koebenhavn", ["psykiatri"], 80), ("stabil", "frederiksberg", ["psykiatri", "kommune"], 90),
    ("stabil", "koebenhavn", ["kommune"], 100), ("overgang", "koebenhavn", ["psykiatri", "kommune"], 120),
    ("overgang", "frederiksberg", ["psykiatri"], 130), ("indlagt", "koebenhavn", ["psykiatri", "kommune"], 55),
    ("indlagt", "frederiksberg", ["psykiatri"], 65), ("afsluttet", "koebenhavn", ["psykiatri"], 150),
    ("visitation", "roskilde", ["psykiatri"], 5), ("opstart", "odense", ["psykiatri", "kommune"], 12),
    ("ustabil", "aarhus", ["psykiatri"], 40), ("stabil", "aalborg", ["kommune"], 90),
    ("opstart", "koebenhavn", ["psykiatri"], 15), ("ustabil", "frederiksberg", ["psykiatri", "kommune"], 48),
    ("stabil", "gentofte", ["psykiatri", "kommune"], 95), ("visitation", "koebenhavn", ["kommune"], 1),
    ("indlagt_fra_henvisning", "koebenhavn", ["psykiatri", "kommune"], 4),
    ("akut_indskrevet", "koebenhavn", ["psykiatri", "akut"], 6),
    ("udsat", "koebenhavn", ["psykiatri", "kommune"], 7), ("fravalgt", "frederiksberg", ["psykiatri"], 8),
]


def demo_cpr(index: int) -> str:
    """A CPR-shaped number for demo patient `index` (birth dates in 1970–1999)."""
    day, month, year = 1 + index % 28, 1 + index % 12, 70 + index % 30
    return f"{day:02d}{month:02d}{year:02d}{(index * 37) % 4000:04d}"  # 7th digit 0-3: 1900s


def _actor(lane, municipality, region):
    """Who completes a demo task in a lane."""
    if region != "hovedstaden":
        return "demo"
    if lane == "kommune":
        return MUNICIPAL_ACTORS.get(municipality, "demo")
    return LANE_ACTORS.get(lane, "demo")


def _step(session, pathway, step, clock, municipality, region):
    """Take one step: complete the open task with the form, or deliver a message."""
    if step[0] == "message":
        return service.deliver_message(session, step[1], pathway.patient_id, {}, "demo", now=clock)
    if step[0] == "choice":
        return _choice(session, pathway, step[1], clock, _actor("tovholder", municipality, region))
    form_id, overrides = step
    item = session.scalar(select(WorklistItem).where(
        WorklistItem.pathway_id == pathway.id, WorklistItem.form_id == form_id,
        WorklistItem.kind == "task").limit(1))
    if item is None and form_id in MUNICIPAL_FORMS:
        return pathway  # a group-1 patient's municipality takes no part: no municipal tasks
    if item is None:
        raise RuntimeError(f"demo patient {pathway.patient_id}: no open '{form_id}' task")
    data = validate(form_id, answers(form_id, overrides, today=clock.date()))
    return service.complete_task(session, pathway.id, item.task_id, data,
                                 _actor(item.lane, municipality, region), now=clock)


def _choice(session, pathway, kind, clock, actor):
    """Record the patient's own choice that day; a declining also ends the pathway."""
    until = clock.date() + timedelta(days=30) if kind == "postponed" else None
    service.record_patient_choice(session, pathway.id, kind, clock.date(), CHOICE_REASONS[kind],
                                  actor, until=until, now=clock)
    if kind == "declined":
        return service.end_pathway(session, pathway.id, DECLINED_END, actor, now=clock)
    return pathway


def _gaps(steps: int, days: int) -> list[int]:
    """Days between steps: enrolment within the 14-day guarantee, the rest spread evenly."""
    quick = min(steps, 2)
    first = [min(3, max(0, days // 4))] * quick
    rest = steps - quick
    left = max(0, days - sum(first) - 1)
    return first + [left // (rest + 1)] * rest


def seed_patients(session, today=None) -> int:
    """Create the demo patients that are missing; return how many were created."""
    today = today or engine_clock.utcnow().date()
    if service.latest_version(session) is None:
        service.deploy_directory(session, current_app.config["BPMN_DIR"], "system")
    created = 0
    for index, (target, municipality, contacts, days_ago) in enumerate(PLAN):
        cpr = demo_cpr(index)
        if session.scalar(select(Patient.id).where(Patient.cpr == cpr)) is not None:
            continue
        region = MUNICIPALITIES[municipality][1]
        received = today - timedelta(days=days_ago)
        clock = datetime.combine(received, time(9, 0), tzinfo=UTC)
        name = f"{FIRST[index % len(FIRST)]} {LAST[(index * 3) % len(LAST)]}"
        patient = service.register_patient(session, cpr, name, cpr_rules.sex(cpr),
                                           cpr_rules.birth_date(cpr), region, municipality)
        data = {"patient_id": patient.id, "region": region, "municipality": municipality,
                "region_org": region_org(region), "municipality_org": municipality_org(municipality),
                "contacts": contacts, "referrer": "Egen læge", "received_at": received.isoformat(),
                "sex": cpr_rules.sex(cpr)}
        if "akut" in contacts:  # started as /akut does: admitted at once
            data.update(referrer="Akutmodtagelsen", admission_reason="psykisk_forvaerring")
        pathway = service.start_pathway(session, patient.id, data, _actor("psykiatri", municipality, region),
                                        now=clock)
        for step, gap in zip(PATHS[target], _gaps(len(PATHS[target]), days_ago), strict=False):
            clock += timedelta(days=gap, minutes=5)
            pathway = _step(session, pathway, step, clock, municipality, region)
        created += 1
    service.tick(session, now=engine_clock.utcnow())
    session.flush()
    return created
