"""Start (STIN, STAA) and end (SLHJ) of a hospital stay and death (MORS), with their
corrections (RE_) and cancellations (AN_)."""
from engine import service
from webui.fhir.effect_base import OUTPATIENT, TITLES, Handlers, Refusal
from webui.markers import recorder as markers


class StayHandlers(Handlers):
    """What the start, end and death notifications do to the stay and the pathway."""

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

    def _revise_end(self, title, message):
        """A corrected end of a finished stay (discharge or death): the new time, its marker."""
        stay = self._known_stay("finished")
        before, stay.ended_at = stay.ended_at, self.note.end
        self._correct_end_marker(stay)
        self._note(title, before=before.isoformat() if before else None,
                   after=self.note.end.isoformat())
        return "recorded", message

    def _revise_slhj(self):
        return self._revise_end(TITLES["RE_SLHJ"], "The end time of the stay is corrected.")

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
        return self._revise_end(TITLES["RE_MORS"], "The time of death is corrected.")
