"""Demo content for tiers, contact hours and competencies, so every view has something to show.

Choices are seeded by the pathway id (not the population's random stream), so adding them did
not change which pathways the population walk produces.
"""
import random
from datetime import date, timedelta

from sqlalchemy import select

from webui.competencies.models import StaffCompetence, SupervisionSession
from webui.extensions import db
from webui.models import User

TIERS = (("lav", "Klarer hverdagen, stabilt netværk"),
         ("moderat", "Ustabil bolig og sparsomt netværk"),
         ("hoej", "Hjemløs, flere rusmidler og somatisk sygdom"))
ACTIVITIES = ("behandlingssamtale", "behandlingssamtale", "netvaerksmoede", "koordineringsmoede",
              "medicinsk", "paaroerende", "gruppe")
CONTACT_FORMS = ("fremmoede", "fremmoede", "video", "telefon", "udgaaende")

# username → [(method, level, years since certification, renewal in days from today or None)]
COMPETENCIES = {
    "psyk.kbh": [("kat", "certified", 3, 45), ("mi", "trained", 5, None),
                 ("pharmacology", "certified", 2, 400)],
    "tovholder.kbh": [("dat", "certified", 4, -10), ("mi", "certified", 2, 300),
                      ("dual_diagnosis", "trained", 1, None)],
    "rus.kbh": [("mi", "supervisor", 6, 80), ("harm_reduction", "certified", 3, 500),
                ("screening", "trained", 1, None)],
    "rus.frb": [("mi", "certified", 2, 200), ("peer_education", "trained", 1, None)],
}


def demo_consultation(pathway_id: int) -> dict:
    """Answers for the overview consultation's part of Opstartsvurdering: a tier and its reason."""
    tier, reason = random.Random(pathway_id).choices(TIERS, weights=(5, 3, 2))[0]  # noqa: S311
    return {"complexity_tier": tier, "complexity_reason": reason}


def demo_activity(pathway_id: int, moment) -> dict:
    """Answers for an activity registration: a type, minutes used and a contact form."""
    rng = random.Random(f"{pathway_id}-{moment.isoformat()}")  # noqa: S311  (demo data)
    return {"activity_type": rng.choice(ACTIVITIES), "duration_minutes": rng.choice((30, 45, 60, 90)),
            "contact_form": rng.choice(CONTACT_FORMS)}


def seed_competencies(today: date) -> int:
    """Give the demo's clinicians competencies and a supervision each, once; return rows added."""
    added = 0
    for username, rows in COMPETENCIES.items():
        user = db.session.scalar(select(User).filter_by(username=username))
        if user is None or db.session.scalar(select(StaffCompetence.id).filter_by(user_id=user.id)
                                             .limit(1)) is not None:
            continue
        for method, level, years, renewal in rows:
            certified = today - timedelta(days=365 * years)
            db.session.add(StaffCompetence(
                user_id=user.id, method=method, level=level, certified_on=certified,
                renewal_due=today + timedelta(days=renewal) if renewal is not None else None,
                recorded_by="admin"))
            added += 1
        db.session.add(SupervisionSession(
            user_id=user.id, kind="method", method=rows[0][0], held_on=today - timedelta(days=20),
            supervisor="Ekstern supervisor", notes="Demo: gennemgang af egne optagelser.",
            recorded_by="leder"))
    db.session.flush()
    return added
