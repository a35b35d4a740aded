"""Definition versions: store bundles (idempotent by content hash), the current pointer, loading.

A version's bundle holds the diagrams (`henvisning.bpmn`, `phase_in.dmn`, ...) and the forms
(`forms/<form_id>.json`). Exactly one version is *current*: new pathways start on it.
"""
from pathlib import Path

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from engine import audit
from engine.clock import utcnow
from engine.definitions.parsing import (
    FORM_PREFIX,
    SUFFIXES,
    cached_bundle,
    content_hash,
    form_id_of,
    parse_bundle,
    remember,
)
from engine.definitions.review import require_approved
from engine.errors import InvalidDefinition, NotFound
from engine.models import DefinitionEvent, DefinitionVersion

_VALIDATED = set()
FORMS_DIR = Path(__file__).resolve().parents[2] / "forms" / "definitions"


def known_form_ids(forms_dir=FORMS_DIR):
    """Form ids that exist: the names of forms/definitions/*.json."""
    return {p.stem for p in Path(forms_dir).glob("*.json")}


def as_bytes(files):
    """A bundle {name: str|bytes} as {name: bytes}."""
    return {n: (d.encode("utf-8") if isinstance(d, str) else bytes(d)) for n, d in files.items()}


def find_existing(session, files):
    """The version with exactly this content, or None."""
    return session.scalar(select(DefinitionVersion).where(
        DefinitionVersion.content_hash == content_hash(as_bytes(files))))


def validate_bundle(files, known_forms=None):
    """Parse and validate a bundle (InvalidDefinition on problems); validated once per hash."""
    files = as_bytes(files)
    if not files:
        raise InvalidDefinition([(None, None, None, "the bundle is empty")])
    forms = frozenset(known_form_ids() if known_forms is None else known_forms)
    digest = content_hash(files)
    if (digest, forms) not in _VALIDATED:  # the app deploys on every start: validate once
        remember(parse_bundle(files, known_forms=forms))
        _VALIDATED.add((digest, forms))
    return cached_bundle(digest, lambda: files)


def deploy_bundle(session, files, actor, known_forms=None, note="", status="current",
                  base_version_id=None, scenario_results=None):
    """Validate and store a bundle {filename: bytes} as an immutable version (same hash: existing).

    status "current" makes it the version new pathways start on (start-up, CLI and tests deploy
    reviewed files from the repository); the modeler stores "proposed" versions for review.
    """
    files = as_bytes(files)
    existing = find_existing(session, files) if files else None
    if existing is not None:
        return existing
    bundle = validate_bundle(files, known_forms)
    try:
        texts = {n: d.decode("utf-8") for n, d in files.items()}
    except UnicodeDecodeError as exc:
        raise InvalidDefinition([(None, None, None, f"files must be UTF-8: {exc}")]) from exc
    version = DefinitionVersion(content_hash=bundle.content_hash, files=texts, deployed_by=actor,
                                process_ids=sorted(bundle.processes), deployed_at=utcnow(),
                                note=(note or "")[:200], status="proposed",
                                base_version_id=base_version_id,
                                scenario_results=scenario_results)
    session.add(version)
    session.flush()
    audit.record(session, actor, "definition.deploy",
                 detail=f"version {version.id} ({bundle.content_hash[:12]}): "
                        f"{', '.join(sorted(files))}")
    record_event(session, version, "proposed" if status == "proposed" else "deployed", actor,
                 version.note)
    if status == "current":
        make_current(session, version, actor, approved=True)
    return version


def record_event(session, version, action, actor, detail=""):
    """Add one line to a version's history."""
    session.add(DefinitionEvent(version_id=version.id, action=action, actor=actor, at=utcnow(),
                                detail=(detail or "")[:2000]))
    session.flush()


def lock_versions(session):
    """Serialise review actions: lock the first version row (PostgreSQL; SQLite locks on write).

    Locking the rows that are current would not do: a second approver blocked on them finds,
    once the first commits, that they are no longer current, and misses the new current row.
    After this lock, a fresh query sees whatever the previous holder committed.
    """
    session.execute(select(DefinitionVersion.id).order_by(DefinitionVersion.id).limit(1)
                    .with_for_update())


def make_current(session, version, actor, approved=False, action="made_current"):
    """Make `version` the one new pathways start on; the previous current one is superseded.

    `approved` says this call *is* the approval (a second owner's, or the reviewed repository's
    at deploy); otherwise the version must have been approved before (four eyes, review.py).
    Returns the previously current version (or None); holds the review lock.
    """
    if not approved:
        require_approved(version, "becoming current")
    lock_versions(session)
    previous = list(session.scalars(select(DefinitionVersion).where(
        DefinitionVersion.status == "current").execution_options(populate_existing=True)))
    for old in previous:
        if old.id != version.id:
            old.status = "superseded"
            record_event(session, old, "superseded", actor, f"version {version.id} is current")
    if approved and version.approved_by is None:
        version.approved_by, version.approved_at = actor, utcnow()
    version.status = "current"
    record_event(session, version, action, actor,
                 f"previous current: {', '.join(str(o.id) for o in previous) or 'none'}")
    session.flush()
    before = next((o for o in previous if o.id != version.id), None)
    audit.record(session, actor, f"definition.{action}",
                 detail=f"version {version.id} is current"
                        + (f" (was {before.id})" if before else ""))
    return before


def read_directory(path):
    """The *.bpmn and *.dmn files directly in `path`, as {name: bytes}."""
    return {p.name: p.read_bytes() for p in sorted(Path(path).iterdir())
            if p.is_file() and p.name.endswith(SUFFIXES)}


def read_forms(forms_dir=FORMS_DIR):
    """The forms of a directory (forms/definitions), as bundle entries {"forms/<id>.json": bytes}."""
    found = {f"{FORM_PREFIX}{p.name}": p.read_bytes() for p in sorted(Path(forms_dir).glob("*.json"))
             if p.is_file()}
    return {n: d for n, d in found.items() if form_id_of(n)}


def read_source(path, forms_dir=FORMS_DIR):
    """The repository's pathway as one bundle: the diagrams of `path` plus the forms."""
    files = read_directory(path) if Path(path).is_dir() else {}
    if files and forms_dir is not None and Path(forms_dir).is_dir():
        files.update(read_forms(forms_dir))
    return files


def deploy_directory(session, path, actor, known_forms=None, forms_dir=FORMS_DIR):
    """Deploy a directory's diagrams plus the forms as one bundle; None when there are none.

    Content that already exists is returned unchanged (it does not become current again).
    """
    files = read_source(path, forms_dir)
    if not files:
        return None
    return deploy_bundle(session, files, actor, known_forms=known_forms,
                         note=f"from {Path(path).name}/")


def current_version(session, fresh=False):
    """The version new pathways start on, or None (fresh: re-read rows after taking a lock)."""
    query = select(DefinitionVersion).where(DefinitionVersion.status == "current") \
        .order_by(DefinitionVersion.id.desc()).limit(1)
    if fresh:
        query = query.execution_options(populate_existing=True)
    return session.scalar(query)


def latest_version(session):
    """The current version (kept for callers written before versions had a status)."""
    return current_version(session)


def get_version(session, version_id):
    """A version by id, or NotFound."""
    version = session.get(DefinitionVersion, version_id)
    if version is None:
        raise NotFound(f"definition version {version_id} does not exist")
    return version


_DIGESTS = "forlob_version_digests"  # session.info key: {version id: content hash}


def version_digest(session, version_id):
    """A version's content hash, read once per transaction: a version's content never changes,
    so a submit (which needs it for the form, the bundle and the decisions) asks once.
    Forgotten at commit and rollback (a version this transaction wrote may be gone)."""
    digests = session.info.setdefault(_DIGESTS, {})
    if version_id not in digests:
        digest = session.scalar(select(DefinitionVersion.content_hash).where(
            DefinitionVersion.id == version_id))
        if digest is None:
            raise NotFound(f"definition version {version_id} does not exist")
        digests[version_id] = digest
    return digests[version_id]


def note_digest(session, version_id, digest):
    """Remember a version's content hash that the caller read in this transaction with a
    statement of its own (the web layer reads it with the pathway it checks access to), so
    `version_digest` does not ask again."""
    if digest is not None:
        session.info.setdefault(_DIGESTS, {})[version_id] = digest


@event.listens_for(Session, "after_soft_rollback")
def _forget_digests(session, _previous_transaction):
    session.info.pop(_DIGESTS, None)


@event.listens_for(Session, "after_commit")
def _forget_digests_on_commit(session):
    # a long-lived session (the timer worker) asks again each transaction, so even a demo
    # reset that reuses version ids is seen at once
    session.info.pop(_DIGESTS, None)


def bundle_of(session, version_id):
    """The parsed bundle of a version (parsed once per content hash per process)."""
    digest = version_digest(session, version_id)
    return cached_bundle(digest, lambda: get_version(session, version_id).files)


def export_version(session, version_id, target):
    """Write a version's files: diagrams to target/bpmn/, forms to target/forms/definitions/."""
    version = get_version(session, version_id)
    written = []
    for name, text in sorted((version.files or {}).items()):
        form_id = form_id_of(name)
        if form_id is not None:
            out = Path(target) / "forms" / "definitions" / f"{form_id}.json"
        elif "/" not in name and name.endswith(SUFFIXES):
            out = Path(target) / "bpmn" / name
        else:
            continue
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        written.append(out)
    return written
