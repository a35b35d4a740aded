"""The shared part of a HospitalNotification's effect: the refusal and outcome types, matching
the patient, and the helpers every handler uses (the stay, delivering a BPMN message, notes,
review notices)."""
from dataclasses import dataclass

from sqlalchemy import select

from engine import service
from engine.errors import Conflict, NoRecipient
from engine.models import Notice, Pathway, PathwayParticipant, Patient
from webui.fhir.models import HospitalStay
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


class Handlers:
    """One notification for one client inside the caller's transaction, and the helpers."""

    def __init__(self, session, client, note, actor, now=None):
        self.session, self.client, self.note, self.actor = session, client, note, actor
        self.now = now or utcnow()


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
