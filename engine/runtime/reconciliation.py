"""Referrals of a patient whose pathways belong to others: queued for the owning region."""
import uuid

from sqlalchemy import select

from engine import audit, clock
from engine.models import Notice, Pathway

KIND = "reconcile_referral"


def queue_referral(session, patient_id, referral: dict, actor, now=None):
    """Put a referral in the inbox of the region owning the patient's newest pathway.

    Returns the notice, or None when the patient has no pathway (nothing to reconcile).
    The referrer is answered as for any referral, so a referral discloses nothing.
    """
    pathway = session.scalar(select(Pathway).where(Pathway.patient_id == patient_id)
                             .order_by((Pathway.status == "active").desc(), Pathway.id.desc())
                             .limit(1))
    if pathway is None:
        return None
    owner = pathway.region_org or pathway.municipality_org
    notice = Notice(org_code=owner, pathway_id=pathway.id, patient_id=patient_id, kind=KIND,
                    key=f"reconcile:{uuid.uuid4().hex}", sender_org=referral.get("referrer_org"),
                    created_at=now or clock.utcnow(), data=dict(referral))
    session.add(notice)
    audit.record(session, actor, "referral.reconcile", patient_id=patient_id,
                 pathway_id=pathway.id, detail=f"queued for {owner} (pathway {pathway.status})")
    session.flush()
    return notice
