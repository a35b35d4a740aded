"""Leave from the hospital (STOR, SLOR), its corrections and cancellations: the stay records
the leave and the inpatient deadlines pause (webui/fhir/leave.py)."""
from webui.fhir import leave as leave_rules
from webui.fhir.effect_base import TITLES, Handlers, Refusal


class LeaveHandlers(Handlers):
    """What the leave notifications do to the stay and the inpatient deadlines."""

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
