"""Relatives' access: the patient grants it with a scope and can revoke it at any time."""
from sqlalchemy import select, update

from engine import clock
from webui.extensions import db
from webui.patient import accounts
from webui.patient.models import PatientAccount, PatientSession, RelativeConsent

SCOPES = ("plan", "crisis")  # plan: phase, team and contacts; crisis: the crisis plan


class ConsentError(ValueError):
    """Consent input that cannot be accepted (Danish message, for the form)."""


def grant(patient_id: int, relative_name: str, scopes, actor: str) -> tuple[RelativeConsent, str]:
    """Record a consent and make the relative's one-time activation code (returned in clear)."""
    name = (relative_name or "").strip()[:200]
    chosen = [s for s in SCOPES if s in set(scopes or ())]
    if not name:
        raise ConsentError("Skriv navnet på din pårørende.")
    if not chosen or len(chosen) != len(set(scopes or ())):
        raise ConsentError("Vælg hvad din pårørende må se.")
    row, code = accounts.new_code(patient_id, actor, role="relative")
    consent = RelativeConsent(patient_id=patient_id, relative_name=name, scope=",".join(chosen),
                              granted_at=clock.utcnow(), granted_by=actor, activation_id=row.id)
    db.session.add(consent)
    db.session.flush()
    return consent, code


def for_patient(patient_id: int) -> list[RelativeConsent]:
    """The patient's consents, newest first (revoked ones included, as a record)."""
    return list(db.session.scalars(select(RelativeConsent).where(
        RelativeConsent.patient_id == patient_id).order_by(RelativeConsent.id.desc())))


def of_account(account: PatientAccount) -> RelativeConsent | None:
    """The live consent behind a relative's account, or None once revoked."""
    return db.session.scalar(select(RelativeConsent).where(
        RelativeConsent.account_id == account.id, RelativeConsent.patient_id == account.patient_id,
        RelativeConsent.revoked_at.is_(None)))


def link_account(activation_id: int, account: PatientAccount) -> None:
    """Tie a new relative account to the consent its activation code was made for."""
    consent = db.session.scalar(select(RelativeConsent).where(
        RelativeConsent.activation_id == activation_id, RelativeConsent.revoked_at.is_(None)))
    if consent is None:
        raise accounts.ActivationError("Adgangen er trukket tilbage.")
    consent.account_id = account.id


def revoke(consent: RelativeConsent, actor: str) -> None:
    """Revoke a consent: the code and the account stop working, live sessions end now."""
    now = clock.utcnow()
    consent.revoked_at = now
    consent.revoked_by = actor
    if consent.account_id is not None:
        account = db.session.get(PatientAccount, consent.account_id)
        account.active = False
        db.session.execute(update(PatientSession).where(
            PatientSession.account_id == account.id, PatientSession.ended_at.is_(None))
            .values(ended_at=now).execution_options(synchronize_session=False))
    elif consent.activation_id is not None:
        accounts.spend_unused(consent.activation_id)
