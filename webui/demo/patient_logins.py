"""Demo patients with activation done: logins, contacts, a crisis plan, earlier WHO-5 answers and
a few AUDIT/DUDIT answers from home.

The TOTP secrets are fixed and printed in the README so a demo user can add them to an
authenticator app; they are demo data only, never used outside `flask demo seed`.
"""
from datetime import timedelta

from sqlalchemy import select

from engine import clock
from engine.models import Pathway
from forms import who5
from webui.common.timeutil import local_midnight_utc, local_now
from webui.passwords import hash_password
from webui.patient import instruments, questionnaires
from webui.patient.models import CrisisPlan, FollowUp, PatientAccount, PlannedContact, Questionnaire

DEMO_PATIENT_PASSWORD = "demo1234-mig"  # noqa: S105  (published demo login)
# username → (TOTP secret, WHO-5 item points of earlier answers, oldest first)
DEMO_PATIENTS = {
    "patient1": ("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", [(4, 4, 3, 4, 4), (4, 3, 4, 3, 4), (5, 4, 4, 4, 4)]),
    "patient2": ("KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU", [(3, 3, 3, 3, 3), (2, 2, 3, 2, 2), (2, 2, 2, 2, 2)]),
    "patient3": ("MFRGGZDFMZTWQ2LKMFRGGZDFMZTWQ2LK", [(3, 2, 3, 2, 3), (2, 1, 1, 2, 1), (1, 1, 1, 0, 1)]),
}
# username → AUDIT and DUDIT item points answered from home 5 and 3 weeks ago (the zones come from
# the server's scoring and the decision table: patient1 green, patient2 yellow, patient3 red/yellow)
DEMO_HOME_ANSWERS = {
    "patient1": (("audit", (1, 1, 0, 0, 0, 0, 0, 0, 0, 0)), ("dudit", (0,) * 11)),
    "patient2": (("audit", (2, 2, 1, 1, 1, 1, 0, 0, 0, 2)), ("dudit", (0,) * 11)),
    "patient3": (("audit", (4, 3, 2, 1, 0, 1, 2, 3, 2, 4)), ("dudit", (2, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0))),
}


def _candidates(session, count):
    """Active pathways with a tovholder organisation, oldest patients first."""
    return list(session.scalars(select(Pathway).where(
        Pathway.status == "active", Pathway.tovholder_org.is_not(None))
        .order_by(Pathway.patient_id).limit(count)))


def _history(session, patient_id, org, points_list):
    """Earlier answered WHO-5 rounds, two weeks apart; red/yellow ones left with a follow-up."""
    now = clock.utcnow()
    for weeks_ago, points in zip(range(2 * len(points_list), 0, -2), points_list, strict=True):
        at = now - timedelta(weeks=weeks_ago)
        answers = dict(zip(who5.ITEMS, points, strict=True)) | {
            "suicidal_thoughts": False, "wants_contact": False, "talk_about": ""}
        result = who5.score(answers)
        row = Questionnaire(patient_id=patient_id, instrument="who5", requested_by="system",
                            requested_at=at - timedelta(days=1), answered_at=at, answered_by="demo",
                            answers=answers, result=result, zone=result["zone"])
        session.add(row)
        session.flush()
        if result["zone"] != "green":
            session.add(FollowUp(patient_id=patient_id, questionnaire_id=row.id, org_code=org,
                                 zone=result["zone"], reason=result["rule"], created_at=at,
                                 due_at=local_midnight_utc(local_now(at).date())))
    session.add(Questionnaire(patient_id=patient_id, instrument="who5", requested_by="system",
                              requested_at=now))


def _home_answers(patient_id, sets):
    """AUDIT and DUDIT answered through the patient's own answer code (parsing, scoring, the
    decision table, the tovholder's follow-up), then dated back to when they were given."""
    for (instrument, points), weeks_ago in zip(sets, (5, 3), strict=True):
        row = questionnaires.request_for(patient_id, instrument, "demo")
        answers = instruments.parse(instrument, {f"{instrument}_{i}": str(p) for i, p in enumerate(points, 1)})
        followup = questionnaires.answer(row, answers, "demo")
        shift = timedelta(weeks=weeks_ago)
        row.requested_at, row.answered_at = row.requested_at - shift, row.answered_at - shift
        if followup is not None:
            followup.created_at, followup.due_at = followup.created_at - shift, followup.due_at - shift


def seed_patient_logins(session) -> list[str]:
    """Create the demo patient logins that are missing; return the usernames created."""
    created = []
    pathways = _candidates(session, len(DEMO_PATIENTS))
    taken = set(session.scalars(select(PatientAccount.patient_id)))
    free = [p for p in pathways if p.patient_id not in taken]
    for username, (secret, points_list) in DEMO_PATIENTS.items():
        if session.scalar(select(PatientAccount.id).where(PatientAccount.username == username)) or not free:
            continue
        pathway = free.pop(0)
        session.add(PatientAccount(patient_id=pathway.patient_id, role="patient", username=username,
                                   password_hash=hash_password(DEMO_PATIENT_PASSWORD),
                                   totp_secret=secret, totp_last_step=0))
        start = local_now().replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=2)
        session.add(PlannedContact(patient_id=pathway.patient_id, starts_at=start, minutes=45,
                                   place="Psykiatrisk ambulatorium", org_code=pathway.tovholder_org,
                                   person="Tove Tovholder", created_by="demo"))
        crisis = {"warning_signs": "Jeg sover dårligt og trækker mig fra andre.",
                  "what_helps": "En gåtur, at ringe til min søster, at spise regelmæssigt.",
                  "call_day": "Min tovholder (hverdage 8-15)",
                  "call_night": "Psykiatrisk akutmodtagelse i min region, eller 112"}
        session.add(CrisisPlan(patient_id=pathway.patient_id, kind="kriseplan", version=1, created_by="demo",
                               data=crisis, definition_version_id=pathway.version_id, **crisis))
        session.add(CrisisPlan(patient_id=pathway.patient_id, kind="tilbagefaldsplan", version=1,
                               created_by="demo", definition_version_id=pathway.version_id, data={
                                   "risk_situations": "Fredag aften, når jeg er alene og har fået løn.",
                                   "my_strategies": "Jeg aftaler noget med min søster og går en tur.",
                                   "support": "Min søster, min tovholder"}))
        _history(session, pathway.patient_id, pathway.tovholder_org, points_list)
        _home_answers(pathway.patient_id, DEMO_HOME_ANSWERS[username])
        created.append(username)
    session.flush()
    return created
