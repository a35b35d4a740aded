"""Four eyes as one invariant: which versions' content may become current or receive pathways.

Every door that puts content in front of a patient asks `require_approved` here: making a
version current (approval, deploy, rollback), starting a pathway, a migration's dry run, job,
single move and auto-migration. A version qualifies only when its content was approved — by a
second process owner, or by the repository's review when deployed at start-up or by the CLI —
and it became current that way. A proposal, a rejected version, or a proposal that was merged
onto a newer version (marked superseded, never approved itself) never qualifies.
"""
from sqlalchemy import select

from engine.errors import NotApproved
from engine.models import DefinitionVersion

APPROVED_STATUSES = ("current", "superseded")


def was_approved(version) -> bool:
    """True when the version's content was approved and made current (it is or was current)."""
    return (version is not None and version.approved_by is not None
            and version.status in APPROVED_STATUSES)


def require_approved(version, purpose: str):
    """The version itself, or NotApproved naming why it may not be used for `purpose`."""
    if not was_approved(version):
        status = getattr(version, "status", None)
        why = "was merged onto a newer version and never approved itself" \
            if status == "superseded" else f"is {status}"
        raise NotApproved(getattr(version, "id", None), purpose,
                          f"version {getattr(version, 'id', '?')} {why}; only content a second "
                          f"process owner approved may be used for {purpose}")
    return version


def approved_versions(session, limit=50):
    """Approved versions (current or formerly current), newest first: the only valid targets."""
    return list(session.scalars(select(DefinitionVersion).where(
        DefinitionVersion.status.in_(APPROVED_STATUSES),
        DefinitionVersion.approved_by.is_not(None))
        .order_by(DefinitionVersion.id.desc()).limit(limit)))
