"""What a valid HospitalNotification does to the patient's pathway (docs/interop.md has the table).

Start (STIN/STAA) delivers the `indlagt` message like the JSON API and the patient page;
end (SLHJ) delivers `udskrevet` back to the phase the patient was admitted from; death (MORS)
ends the pathway; leave (STOR/SLOR) and corrections (RE_) are recorded on the stay and in the
pathway's history; a cancellation (AN_) undoes its effect when the pathway has not changed
since (same lock version), and otherwise leaves a notice for a human.
"""
from dataclasses import dataclass

from sqlalchemy import select

from engine import service
from engine.errors import Conflict, NoRecipient
from engine.models import Notice, Pathway, PathwayParticipant, Patient
from webui.fhir import leave as leave_rules
from webui.fhir.models import HospitalStay
from webui.markers import recorder as markers
from webui.models import utcnow

OUTPATIENT = ("opstart", "ustabil", "stabil", "overgang")
TITLES = {
    "STOR": "Orlov fra hospitalet begynder", "SLOR": "Orlov fra hospitalet slutter",
    "RE_STIN": "Hospitalet rettede indlæggelsestidspunktet",
    "RE_STAA": "Hospitalet rettede tidspunktet for det akutte ambulante besøg",
    "RE_STOR": "Hospitalet rettede orlovens start", "RE_SLOR": "Hospitalet rettede orlovens slutning",
    "RE_SLHJ": "Hospitalet rettede udskrivelsestidspunktet", "RE_MORS": "Hospitalet rettede dødstidspunktet",
    "AN_STOR": "Hospitalet annullerede orlovens start", "AN_SLOR": "Hospitalet annullerede orlovens slutning",
}


class Refusal(Exception):
    """A valid message that does not fit what we know (coded like the parser's problems)."""

    def __init__(self, code, text):
        super().__init__(text)
        self.code, self.text = code, text


@dataclass
class Outcome:
    """What a notification did: applied / recorded / review / unmatched, and to whom."""

    outcome: str
    text: str
    patient_id: int | None = None
    pathway_id: int | None = None


def match(session, org_code, cpr):
    """(patient, pathway) among the pathways the organisation takes part in, else (None, None)."""
    patient = session.scalar(select(Patient).where(Patient.cpr == cpr))
    pathway = patient and session.scalar(
        select(Pathway).join(PathwayParticipant, PathwayParticipant.pathway_id == Pathway.id)
        .where(Pathway.patient_id == patient.id, PathwayParticipant.org_code == org_code)
        .order_by((Pathway.status == "active").desc(), Pathway.id.desc()).limit(1))
    if patient is None or pathway is None:
        return None, None
    return patient, pathway


class Receiver:
    """Applies one notification for one client inside the caller's transaction."""

    def __init__(self, session, client, note, actor, now=None):
        self.session, self.client, self.note, self.actor = session, client, note, actor
        self.now = now or utcnow()

    def apply(self):
        """The Outcome of the notification; Refusal when it does not fit the stay."""
        note = self.note
        patient, pathway = match(self.session, self.client.organisation_code, note.cpr)
        if pathway is None:
            return Outcome("unmatched", "Received and kept for reconciliation: no pathway of your "
                                        "organisation has this patient.")
        self.patient, self.pathway = patient, pathway
        self.stay = self.session.scalar(select(HospitalStay).where(
            HospitalStay.client_id == self.client.id, HospitalStay.episode == note.episode))
        handler = getattr(self, f"_{note.variant}_{note.base.lower()}")
        try:
            outcome, text = handler()
            self.session.flush()   # the markers take the hospital's times now
        finally:
            markers.forget_hints(self.session)
        if self.stay is not None:
            self.stay.updated_at = self.now
        return Outcome(outcome, text, patient.id, pathway.id)

    # -- helpers -------------------------------------------------------------------------
    def _known_stay(self, *statuses):
        if self.stay is None:
            raise Refusal("HN-ENCOUNTER-UNKNOWN", f"{self.note.code} names an episode of care we "
                                                  f"have no stay for")
        if statuses and self.stay.status not in statuses:
            raise Refusal("HN-STATE", f"{self.note.code} does not fit a stay that is {self.stay.status}")
        return self.stay

    def _new_stay(self):
        if self.stay is None:
            self.stay = HospitalStay(client_id=self.client.id, episode=self.note.episode,
                                     patient_id=self.patient.id, pathway_id=self.pathway.id,
                                     leaves=[])
            self.session.add(self.stay)
        self.stay.encounter_class = self.note.encounter_class
        self.stay.started_at = self.note.start
        self.stay.status, self.stay.effect, self.stay.lock_after = "in-progress", None, None
        return self.stay

    def _active(self):
        return self.pathway.status == "active"

    def _untouched(self, effect):
        """The stay's last effect is `effect` and the pathway has not moved since."""
        return (self._active() and self.stay.effect == effect
                and self.pathway.lock_version == self.stay.lock_after)

    def _deliver(self, name, payload):
        """Deliver a BPMN message; False when the pathway does not wait for it."""
        try:
            moved = service.deliver_message(self.session, name, self.patient.id,
                                            dict(payload, source_event=self.note.message_id,
                                                 admitted_by=self.actor), self.actor, now=self.now)
        except NoRecipient:
            return False
        except Conflict:
            raise Refusal("HN-TRANSIENT", "the pathway was changed at the same time") from None
        self.stay.lock_after = moved.lock_version
        return True

    def _note(self, title, **data):
        service.note_event(self.session, self.pathway.id, title,
                           dict(data, code=self.note.code, message_id=self.note.message_id),
                           self.actor, now=self.now)

    def _review(self, text):
        """A notice to the client's organisation: a human decides what the message means."""
        self.session.add(Notice(
            org_code=self.client.organisation_code, pathway_id=self.pathway.id,
            patient_id=self.patient.id, kind="hn_review", key=f"hn_review:{self.note.message_id}"[:120],
            sender_org=None, created_at=self.now,
            data={"event": "hn_review", "code": self.note.code, "message_id": self.note.message_id,
                  "text": text}))
        self._note(f"Sygehusadvis {self.note.code} skal vurderes", text=text)
        return "review", text

    # -- start of a stay (STIN, STAA) ----------------------------------------------------
    def _new_stin(self):
        if self.stay is not None and self.stay.status != "entered-in-error":
            raise Refusal("HN-STATE", "this stay has started already")
        stay = self._new_stay()
        stay.previous_stage = self.pathway.stage
        markers.hint(self.session, self.pathway.id, "indlaeggelse", self.note.start)
        if not self._active():
            return "recorded", "The patient's pathway has ended; the stay is recorded."
        if self.pathway.stage == "indlagt":
            return "recorded", "The patient is admitted already; the stay is recorded."
        if self.pathway.stage in OUTPATIENT and self._deliver("indlagt", {
                "admission_reason": "andet", "admitted_at": self.note.start.isoformat(),
                "encounter_class": self.note.encounter_class}):
            stay.effect = "admitted"
            return "applied", "The inpatient stage has started; the municipality is notified."
        return self._review(f"Hospitalet meldte {self.note.code}, men forløbet er i fasen "
                            f"{self.pathway.stage} og kan ikke indlægges automatisk.")

    _new_staa = _new_stin

    def _revise_stin(self):
        stay = self._known_stay("in-progress", "onleave", "finished")
        before, stay.started_at = stay.started_at, self.note.start
        if stay.effect == "admitted":   # the admission marker carries the corrected time
            markers.correct(self.session, self.pathway.id, "indlaeggelse", self.note.start)
        self._note(TITLES[self.note.code], before=before.isoformat(), after=self.note.start.isoformat())
        return "recorded", "The start time of the stay is corrected."

    _revise_staa = _revise_stin

    def _cancel_stin(self):
        stay = self._known_stay("in-progress", "onleave", "finished")
        stay.status = "entered-in-error"
        if stay.effect is None:
            self._note(f"Hospitalet annullerede {self.note.base}")
            return "recorded", "The stay is cancelled; it had not changed the pathway."
        if self._untouched("admitted") and self._deliver("udskrevet", {
                "return_stage": stay.previous_stage if stay.previous_stage in OUTPATIENT else "ustabil",
                "discharge_date": self.now.date().isoformat(),
                "discharge_note": "Indlæggelsen blev annulleret af hospitalet."}):
            stay.effect = "undone"
            return "applied", "The admission is undone; the pathway is back in its earlier phase."
        stay.effect = "review"
        return self._review("Hospitalet annullerede indlæggelsen, men forløbet er ændret siden. "
                            "Vurdér om patienten skal udskrives i Forløb.")

    _cancel_staa = _cancel_stin

    # -- leave (STOR, SLOR) ----------------------------------------------------------------
    def _leave_time(self):
        """The leave's start (STOR) or end (SLOR): from the guide's leave-period extension on
        the Encounter, else when the notification says it happened (Provenance), else now."""
        start, end = self.note.leave
        told = start if self.note.base == "STOR" else end
        return (told or self.note.occurred or self.now).isoformat()

    def _new_stor(self):
        stay = self._known_stay("in-progress")
        paused = leave_rules.pause(self.session, self.pathway.id, {"start": self._leave_time(), "end": None})
        stay.leaves, stay.status = [*stay.leaves, paused], "onleave"
        self._note(TITLES["STOR"], at=self._leave_time(), paused=len(paused["paused"]))
        return "recorded", "The leave is recorded; the inpatient deadlines are paused."

    def _new_slor(self):
        stay = self._known_stay("onleave")
        ended = leave_rules.resume(self.session, self.pathway.id, dict(stay.leaves[-1], end=self._leave_time()))
        stay.leaves, stay.status = [*stay.leaves[:-1], ended], "in-progress"
        self._note(TITLES["SLOR"], at=self._leave_time(), moved_days=round(ended["shift_s"] / 86400, 2))
        return "recorded", "The end of the leave is recorded; the inpatient deadlines move on by its length."

    def _revise_stor(self):
        stay = self._known_stay("onleave")
        stay.leaves = [*stay.leaves[:-1], dict(stay.leaves[-1], start=self._leave_time())]
        self._note(TITLES["RE_STOR"], at=self._leave_time())
        return "recorded", "The start of the leave is corrected."

    def _revise_slor(self):
        stay = self._known_stay("in-progress")
        if not stay.leaves or stay.leaves[-1].get("end") is None:
            raise Refusal("HN-STATE", "the stay has no ended leave to correct")
        before = leave_rules.length(stay.leaves[-1])
        corrected = leave_rules.correct_end(self.session, self.pathway.id,
                                            dict(stay.leaves[-1], end=self._leave_time()), before)
        stay.leaves = [*stay.leaves[:-1], corrected]
        self._note(TITLES["RE_SLOR"], at=self._leave_time())
        return "recorded", "The end of the leave is corrected."

    def _cancel_stor(self):
        stay = self._known_stay("onleave")
        leave_rules.resume(self.session, self.pathway.id, stay.leaves[-1], shift=False)
        stay.leaves, stay.status = stay.leaves[:-1], "in-progress"
        self._note(TITLES["AN_STOR"])
        return "recorded", "The leave is cancelled."

    def _cancel_slor(self):
        stay = self._known_stay("in-progress")
        if not stay.leaves or stay.leaves[-1].get("end") is None:
            raise Refusal("HN-STATE", "the stay has no ended leave to cancel")
        reopened = leave_rules.pause(self.session, self.pathway.id, dict(stay.leaves[-1], end=None))
        stay.leaves, stay.status = [*stay.leaves[:-1], reopened], "onleave"
        self._note(TITLES["AN_SLOR"])
        return "recorded", "The end of the leave is cancelled; the patient is on leave again."

    # -- end of a stay (SLHJ) and death (MORS) ---------------------------------------------
    def _end_stay(self):
        if self.stay is None:  # admitted before the hospital connected: the end still counts
            self._new_stay().previous_stage = None
        if self.stay.status in ("finished", "entered-in-error"):
            raise Refusal("HN-STATE", f"the stay is {self.stay.status} already")
        self.stay.status, self.stay.ended_at = "finished", self.note.end
        return self.stay

    def _new_slhj(self):
        stay = self._end_stay()
        markers.hint(self.session, self.pathway.id, "udskrivelse", self.note.end)
        if self._active() and self.pathway.stage == "indlagt" and self._deliver("udskrevet", {
                "return_stage": stay.previous_stage if stay.previous_stage in OUTPATIENT else "ustabil",
                "discharge_date": self.note.end.date().isoformat(),
                "discharge_note": "Udskrevet til hjemmet (sygehusadvis)."}):
            stay.effect = "discharged"
            return "applied", "The patient is discharged; the municipality is notified."
        stay.effect = None
        return "recorded", "The end of the stay is recorded; the pathway was not in the inpatient stage."

    def _revise_slhj(self):
        stay = self._known_stay("finished")
        before, stay.ended_at = stay.ended_at, self.note.end
        self._correct_end_marker(stay)
        self._note(TITLES["RE_SLHJ"], before=before.isoformat() if before else None,
                   after=self.note.end.isoformat())
        return "recorded", "The end time of the stay is corrected."

    def _correct_end_marker(self, stay):
        """A corrected discharge or death moves its marker to the corrected time."""
        point = {"discharged": "udskrivelse", "died": "afslutning"}.get(stay.effect or "")
        if point is not None:
            markers.correct(self.session, self.pathway.id, point, self.note.end)

    def _cancel_slhj(self):
        stay = self._known_stay("finished")
        stay.status, stay.ended_at = "in-progress", None
        if stay.effect == "died":
            return self._review("Hospitalet annullerede en dødsmelding. Forløbet er afsluttet og "
                                "genåbnes ikke automatisk.")
        if stay.effect is None:
            self._note("Hospitalet annullerede udskrivelsen")
            return "recorded", "The end of the stay is cancelled; it had not changed the pathway."
        markers.hint(self.session, self.pathway.id, "indlaeggelse", stay.started_at)
        if self._untouched("discharged") and self._deliver("indlagt", {
                "admission_reason": "andet", "admitted_at": stay.started_at.isoformat(),
                "encounter_class": stay.encounter_class}):
            stay.effect = "admitted"
            return "applied", "The discharge is undone; the patient is in the inpatient stage again."
        stay.effect = "review"
        return self._review("Hospitalet annullerede udskrivelsen, men forløbet er ændret siden. "
                            "Vurdér om patienten skal indlægges igen i Forløb.")

    def _new_mors(self):
        stay = self._end_stay()
        stay.effect = "died"
        if not self._active():
            return "recorded", "The patient's pathway had ended already; the death is recorded."
        pathway = self.pathway
        markers.hint(self.session, pathway.id, "afslutning", self.note.end)
        service.end_pathway(self.session, pathway.id, "deceased", self.actor, now=self.now,
                            notify=sorted({pathway.municipality_org, pathway.tovholder_org,
                                           pathway.region_org} - {None}))
        stay.lock_after = pathway.lock_version
        return "applied", "The pathway has ended and its tasks are closed."

    def _revise_mors(self):
        stay = self._known_stay("finished")
        before, stay.ended_at = stay.ended_at, self.note.end
        self._correct_end_marker(stay)
        self._note(TITLES["RE_MORS"], before=before.isoformat() if before else None,
                   after=self.note.end.isoformat())
        return "recorded", "The time of death is corrected."
