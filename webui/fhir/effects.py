"""What a valid HospitalNotification does to the patient's pathway (docs/interop.md has the table).

Start (STIN/STAA) delivers the `indlagt` message like the JSON API and the patient page;
end (SLHJ) delivers `udskrevet` back to the phase the patient was admitted from; death (MORS)
ends the pathway; leave (STOR/SLOR) and corrections (RE_) are recorded on the stay and in the
pathway's history; a cancellation (AN_) undoes its effect when the pathway has not changed
since (same lock version), and otherwise leaves a notice for a human.
"""
from sqlalchemy import select

from webui.fhir.effect_base import Outcome, Refusal, match
from webui.fhir.effect_leave import LeaveHandlers
from webui.fhir.effect_stay import StayHandlers
from webui.fhir.models import HospitalStay
from webui.markers import recorder as markers

__all__ = ["Outcome", "Receiver", "Refusal", "match"]


class Receiver(StayHandlers, LeaveHandlers):
    """Applies one notification for one client inside the caller's transaction."""

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
