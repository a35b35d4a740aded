"""`flask demo seed --patients N`: many realistic pathways over 2024 to today, on the real engine.

Each patient is referred on a date between 2024-03 and today (more towards today, as groups
open), in a region chosen by population share and one of its municipalities, with contacts
that give group 1, 2 or 3 in the national proportions. The patient is then walked forward
on the engine's clock (`now=`): visitation, a wait for phase-in where the group is not yet
open, enrolment, Opstart's tools, Ustabil ⇄ Stabil, admissions with discharge, Overgang
with the patient-experience form, and the end. Some walks stop early, so open tasks run
overdue. Timers fire through `tick(now=clock)` before every step. Nothing is written to the
tables directly.
"""
import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from engine import service
from engine.errors import NoRecipient
from engine.models import Patient, WorklistItem
from forms.validation import validate
from webui import orgdata
from webui.demo.filler import answers
from webui.demo.intensity import demo_activity, demo_consultation
from webui.demo.patients import _actor
from webui.pathways import cpr as cpr_rules

SHARES = {"hovedstaden": 32, "midtjylland": 23, "syddanmark": 21, "sjaelland": 14, "nordjylland": 10}
CONTACTS = [(["psykiatri"], 46), (["psykiatri", "kommune"], 40), (["kommune"], 7)]
FIRST_DAY = date(2024, 3, 1)
FIRST = ["Asta", "Bjarne", "Cecilie", "Dan", "Eva", "Finn", "Grete", "Hans", "Inge", "Jens",
         "Kirsten", "Leif", "Mette", "Niels", "Oda", "Poul", "Rita", "Svend", "Tove", "Uffe"]
LAST = ["Bach", "Bang", "Brandt", "Due", "Gram", "Hald", "Juhl", "Kjær", "Lind", "Munk",
        "Nørgaard", "Prip", "Riis", "Storm", "Thygesen", "Vind"]


MUNICIPAL_FORMS = {"koordineret_plan", "skadesreduktion"}


class Stop(Exception):
    """The walk reached today (or a chosen stall point): leave the pathway where it is."""


class Walk:
    """Drive one patient's pathway forward on the engine clock."""

    def __init__(self, session, rng, pathway, today, municipality, region):
        self.session, self.rng, self.pathway = session, rng, pathway
        self.today, self.municipality, self.region = today, municipality, region
        self.clock = pathway.started_at
        self.stall = rng.random() < 0.12  # some walks stop early: their tasks run overdue
        self.late = False  # the demo's late-region referrals are always included

    def wait(self, low, high):
        """Let some days pass; stop at today (or at a stall)."""
        self.clock += timedelta(days=self.rng.randint(low, high), minutes=self.rng.randint(1, 600))
        if self.clock.date() >= self.today or (self.stall and self.rng.random() < 0.15):
            raise Stop

    def do(self, form_id, overrides=None, optional=False):
        """Complete the pathway's open task with this form (after any due timers fired).

        `optional`: the task may not exist (municipal tasks of a group-1 patient whose
        municipality takes no part); then nothing happens.
        """
        service.tick(self.session, now=self.clock)
        self.session.refresh(self.pathway)
        item = self.session.scalar(select(WorklistItem).where(
            WorklistItem.pathway_id == self.pathway.id, WorklistItem.form_id == form_id,
            WorklistItem.kind == "task").limit(1))
        if item is None:
            if optional:
                return
            raise Stop
        data = validate(form_id, answers(form_id, overrides, today=self.clock.date()))
        self.pathway = service.complete_task(self.session, self.pathway.id, item.task_id, data,
                                             _actor(item.lane, self.municipality, self.region),
                                             now=self.clock)

    def message(self, name, payload=None):
        """Deliver an admission or discharge message."""
        service.tick(self.session, now=self.clock)
        self.pathway = service.deliver_message(self.session, name, self.pathway.patient_id,
                                               payload or {}, "demo", now=self.clock)

    def run(self):
        """The whole walk, until the pathway ends or the walk stops."""
        rng = self.rng
        self.wait(1, 16)
        if rng.random() < 0.08 and not self.late:
            self.do("visitation", {"visitation_decision": "afvist",
                                   "exclusion_reason": "oensker_ikke"})
            return
        self.do("visitation", {"visitation_decision": "inkluderet"})
        if self.pathway.waiting_until:
            opens = datetime.combine(self.pathway.waiting_until, time(7, 0), UTC)
            if opens.date() >= self.today:
                raise Stop  # waits for phase-in beyond today
            self.clock = opens
        self.wait(0, 9)
        self.do("indskrivning", {"tovholder": "tovholder.kbh", "tovholder_org": f"region-{self.region}",
                                 "needs_case_manager": False})
        self.opstart()
        stage = "ustabil" if rng.random() < 0.8 else "stabil"
        self.do("opstart_vurdering", {"phase_decision": stage, **demo_consultation(self.pathway.id)})
        for _ in range(6):
            stage = self.cycle(stage)
            if stage == "overgang":
                break
        self.overgang()

    def opstart(self):
        """The screening tools and the plan (Opstartsvurdering waits for all); some come late."""
        for form_id, late in (("audit", 0.05), ("dudit", 0.1), ("selvmordsrisiko", 0.0),
                              ("medicingennemgang", 0.1), ("koordineret_plan", 0.25),
                              ("skadesreduktion", 0.1)):
            if self.rng.random() < late:
                self.wait(10, 30)
            self.wait(1, 6)
            self.do(form_id, {"suicide_risk_level": "lav"} if form_id == "selvmordsrisiko" else None,
                    optional=form_id in MUNICIPAL_FORMS)
        self.wait(3, 20)

    def cycle(self, stage):
        """One stay in Ustabil or Stabil, perhaps with an admission; return the next stage."""
        rng = self.rng
        self.wait(10, 40)
        self.do(f"{stage}_aktivitet", demo_activity(self.pathway.id, self.clock))
        if rng.random() < 0.15:
            self.admission(stage)
            if rng.random() < 0.3:
                self.wait(3, 25)
                self.admission(stage)
        self.wait(15, 70)
        if stage == "ustabil":
            nxt = "stabil" if rng.random() < 0.75 else "ustabil"
        else:
            nxt = "overgang" if rng.random() < 0.6 else "ustabil"
        self.do(f"{stage}_vurdering", {"phase_decision": nxt})
        return nxt

    def admission(self, stage):
        """Admitted from an outpatient phase, through the four inpatient phases, back to it."""
        self.message("indlagt")
        for form_id in ("indlagt_henvendelse", "selvmordsrisiko", "indlagt_diagnostik",
                        "medicingennemgang", "indlagt_behandling"):
            self.wait(0, 3)
            self.do(form_id, {"suicide_risk_level": "lav"} if form_id == "selvmordsrisiko" else None)
        self.wait(2, 14)
        self.do("indlagt_udskrivelse", {"return_stage": stage,
                                        "discharge_date": self.clock.date().isoformat()})

    def overgang(self):
        """Transition: assessment, the patient's experience, handover, end."""
        rng = self.rng
        self.wait(5, 30)
        self.do("overgang_vurdering", {"phase_decision": "gennemfoer"})
        if rng.random() < 0.7:
            self.wait(0, 10)
            score = lambda: str(rng.choices((1, 2, 3, 4, 5), (1, 2, 4, 6, 5))[0])  # noqa: E731
            self.do("patient_oplevelse", {k: score() for k in
                                          ("pe_involved", "pe_coordinated", "pe_understood", "pe_overall")})
        self.wait(1, 12)
        self.do("overdragelse", {"handover_to": "primaer_sektor"})
        self.wait(0, 5)
        self.do("koordineret_plan", optional=True)


def _referral_day(rng, today):
    """A referral date from FIRST_DAY to today, more of them later (as groups open)."""
    span = (today - FIRST_DAY).days
    return FIRST_DAY + timedelta(days=int(span * rng.random() ** 0.7))


def seed_population(session, count: int, today: date | None = None, seed: int = 2024) -> int:
    """Create `count` more demo patients with pathways; return how many were created."""
    today = today or datetime.now(UTC).date()
    rng = random.Random(seed)  # noqa: S311  (reproducible demo data)
    municipalities = {}
    for key, (_, _, region) in orgdata.MUNICIPALITIES.items():
        municipalities.setdefault(region, []).append(key)
    existing = session.scalar(select(Patient.id).order_by(Patient.id.desc()).limit(1)) or 0
    plans = []
    for n in range(count):
        region = rng.choices(list(SHARES), list(SHARES.values()))[0]
        contacts = rng.choices([c for c, _ in CONTACTS], [w for _, w in CONTACTS])[0]
        day = _referral_day(rng, today)
        if n % 20 == 7:  # the demo's late region: recent group-3 referrals that wait for phase-in
            region, contacts = "sjaelland", ["kommune"]
            day = today - timedelta(days=rng.randint(5, 60))
        plans.append((day, region, rng.choice(municipalities[region]), contacts, n))  # n % 20 == 7: late
    created = 0
    for day, region, municipality, contacts, n in sorted(plans):
        index = 1000 + existing + n
        cpr = f"{1 + index % 28:02d}{1 + index % 12:02d}{50 + index % 40:02d}{(index * 7919) % 4000:04d}"
        if session.scalar(select(Patient.id).where(Patient.cpr == cpr)) is not None:
            continue
        clock = datetime.combine(day, time(8, 0), UTC) + timedelta(minutes=rng.randint(0, 480))
        patient = service.register_patient(
            session, cpr, f"{rng.choice(FIRST)} {rng.choice(LAST)}", cpr_rules.sex(cpr),
            cpr_rules.birth_date(cpr), region, municipality)
        data = {"patient_id": patient.id, "region": region, "municipality": municipality,
                "region_org": f"region-{region}", "municipality_org": f"kommune-{municipality}",
                "contacts": contacts, "referrer": rng.choice(["Egen læge", "Skadestue", "Kommunen"]),
                "received_at": day.isoformat(), "sex": cpr_rules.sex(cpr)}
        pathway = service.start_pathway(session, patient.id, data, "demo", now=clock)
        walk = Walk(session, rng, pathway, today, municipality, region)
        walk.late = n % 20 == 7
        try:
            walk.run()
        except (Stop, NoRecipient):
            pass
        session.commit()
        created += 1
    service.tick(session, now=datetime.now(UTC))
    session.commit()
    return created
