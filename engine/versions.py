"""Deployed definition versions: deploy (idempotent by content hash) and load bundles."""
from pathlib import Path

from sqlalchemy import select

from engine import audit
from engine.clock import utcnow
from engine.definitions import SUFFIXES, cached_bundle, content_hash, parse_bundle, remember
from engine.errors import InvalidDefinition, NotFound
from engine.models import DefinitionVersion

_VALIDATED = set()
FORMS_DIR = Path(__file__).resolve().parent.parent / "forms" / "definitions"


def known_form_ids(forms_dir=FORMS_DIR):
    """Form ids that exist: the names of forms/definitions/*.json."""
    return {p.stem for p in Path(forms_dir).glob("*.json")}


def deploy_bundle(session, files, actor, known_forms=None, note=""):
    """Validate and store a bundle {filename: bytes} as an immutable version (same hash: existing)."""
    files = {n: (d.encode("utf-8") if isinstance(d, str) else bytes(d)) for n, d in files.items()}
    if not files:
        raise InvalidDefinition([(None, None, None, "the bundle is empty")])
    digest = content_hash(files)
    existing = session.scalar(select(DefinitionVersion).where(
        DefinitionVersion.content_hash == digest))
    if existing is not None:
        return existing
    forms = frozenset(known_form_ids() if known_forms is None else known_forms)
    if (digest, forms) not in _VALIDATED:  # the app deploys on every start: validate once
        remember(parse_bundle(files, known_forms=forms))
        _VALIDATED.add((digest, forms))
    bundle = cached_bundle(digest, lambda: files)
    try:
        texts = {n: d.decode("utf-8") for n, d in files.items()}
    except UnicodeDecodeError as exc:
        raise InvalidDefinition([(None, None, None, f"files must be UTF-8: {exc}")])
    version = DefinitionVersion(content_hash=digest, files=texts, deployed_by=actor,
                                process_ids=sorted(bundle.processes), deployed_at=utcnow(),
                                note=note[:200])
    session.add(version)
    session.flush()
    audit.record(session, actor, "definition.deploy",
                 detail=f"version {version.id} ({digest[:12]}): {', '.join(sorted(files))}")
    return version


def read_directory(path):
    """The *.bpmn and *.dmn files directly in `path`, as {name: bytes}."""
    return {p.name: p.read_bytes() for p in sorted(Path(path).iterdir())
            if p.is_file() and p.name.endswith(SUFFIXES)}


def deploy_directory(session, path, actor, known_forms=None):
    """Deploy every BPMN/DMN file of a directory as one bundle; None when there are none."""
    files = read_directory(path) if Path(path).is_dir() else {}
    if not files:
        return None
    return deploy_bundle(session, files, actor, known_forms=known_forms,
                         note=f"from {Path(path).name}/")


def latest_version(session):
    """The newest deployed version, or None when nothing is deployed."""
    return session.scalar(select(DefinitionVersion).order_by(DefinitionVersion.id.desc())
                          .limit(1))


def get_version(session, version_id):
    """A version by id, or NotFound."""
    version = session.get(DefinitionVersion, version_id)
    if version is None:
        raise NotFound(f"definition version {version_id} does not exist")
    return version


def bundle_of(session, version_id):
    """The parsed bundle of a version (parsed once per content hash per process)."""
    digest = session.scalar(select(DefinitionVersion.content_hash).where(
        DefinitionVersion.id == version_id))
    if digest is None:
        raise NotFound(f"definition version {version_id} does not exist")
    return cached_bundle(digest, lambda: get_version(session, version_id).files)
