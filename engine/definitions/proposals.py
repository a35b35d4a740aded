"""Changing the pathway safely: validate, propose (from a named base), approve, reject, roll back.

The scenario runner is passed in by the caller (`run_scenarios(files) -> [result]`): it drives
forms and a throw-away database, which the engine does not import.
"""
from sqlalchemy import select

from engine.clock import utcnow
from engine.definitions.names import name_problems
from engine.definitions.references import unreferenced
from engine.definitions.review import require_approved
from engine.definitions.versions import (
    as_bytes,
    current_version,
    deploy_bundle,
    find_existing,
    get_version,
    lock_versions,
    make_current,
    record_event,
    validate_bundle,
)
from engine.errors import InvalidDefinition, Message, ReviewRefused, ScenarioFailed, StaleBase
from engine.models import DefinitionVersion
from engine.sandbox import isolation

OPEN = ("current", "proposed")


def changed_names(old_files, new_files):
    """Names of the files that differ between two bundles (added, removed or changed)."""
    old_files, new_files = old_files or {}, new_files or {}
    return {n for n in set(old_files) | set(new_files) if old_files.get(n) != new_files.get(n)}


def apply_changes(files, changes):
    """A bundle {name: text} with `changes` applied (a value None removes the file)."""
    merged = dict(files or {})
    for name, text in (changes or {}).items():
        if text is None:
            merged.pop(name, None)
        else:
            merged[name] = text.decode("utf-8") if isinstance(text, bytes) else text
    return merged


def _check_changes(changes):
    if not isinstance(changes, dict) or not all(
            isinstance(k, str) and (v is None or isinstance(v, (str, bytes)))
            for k, v in changes.items()):
        raise InvalidDefinition([(None, None, None, Message("filerne skal være navne med tekst eller null"))])


def rebase(session, base, changes):
    """(files to propose, version they build on) — or StaleBase when newer work overlaps.

    Newer current or proposed versions that changed none of the same files are kept: the
    changes are laid over the current version (a file-by-file merge).
    """
    current = current_version(session, fresh=True)
    if base.status == "rejected":
        raise StaleBase(Message("version %(base)s er afvist; byg på den aktuelle version",
                                base=base.id), [current] if current is not None else [], sorted(changes))
    others = list(session.scalars(select(DefinitionVersion).where(
        DefinitionVersion.status.in_(OPEN), DefinitionVersion.id != base.id,
        DefinitionVersion.id > base.id).order_by(DefinitionVersion.id)
        .execution_options(populate_existing=True)))
    on_top = current is not None and base.status == "proposed" and _descends(session, base, current.id)
    if current is not None and current.id != base.id and current not in others and not on_top:
        others.append(current)
    touched = set(changes)
    clashes = [v for v in others if changed_names(base.files, v.files) & touched]
    if clashes:
        names = sorted(set().union(*(changed_names(base.files, v.files) for v in clashes)) & touched)
        raise StaleBase(Message("version %(base)s er ikke længere den nyeste; version %(ids)s ændrede "
                                "%(files)s", base=base.id, ids=", ".join(str(v.id) for v in clashes),
                                files=", ".join(names)),
                        clashes, names)
    # on top of a proposal of the current version, the proposal is the base (approved first)
    target = current if current is not None and current.id != base.id and not on_top else base
    return apply_changes(target.files, changes), target


def _descends(session, version, ancestor_id):
    """True when `ancestor_id` is on `version`'s chain of bases (it builds on that version)."""
    seen = set()
    while version is not None and version.base_version_id and version.id not in seen:
        seen.add(version.id)
        if version.base_version_id == ancestor_id:
            return True
        version = session.get(DefinitionVersion, version.base_version_id)
    return False


def added_names(target_files, changes):
    """Names of the files a change adds to the version it builds on."""
    return {n for n, v in (changes or {}).items() if v is not None and n not in (target_files or {})}


@isolation.owner_work
def check_candidate(files, run_scenarios=None, added=()):
    """Validate a bundle, then (only if valid) run the scenarios; return the scenario results.

    `added` names the files the change adds: each must be used by the pathway.
    Raises InvalidDefinition or ScenarioFailed.
    """
    validate_bundle(as_bytes(files))
    # a misspelt name fails only where a run reaches it, a stray file never: catch both here
    problems = name_problems(files) + unreferenced(files, added)
    if problems:
        raise InvalidDefinition(problems)
    results = run_scenarios(files) if run_scenarios else []
    if any(not r.get("ok") for r in results):
        raise ScenarioFailed(results)
    return results


def propose(session, base_version_id, changes, actor, note="", four_eyes=True,
            run_scenarios=None):
    """Propose base+changes as a new version: (version, existed).

    Refused with StaleBase, InvalidDefinition or ScenarioFailed; with four eyes off the new
    version becomes current at once.
    """
    _check_changes(changes)
    base = get_version(session, base_version_id)
    files, target = rebase(session, base, changes)
    existing = find_existing(session, files)
    if existing is not None:
        return existing, True
    results = check_candidate(files, run_scenarios, added_names(target.files, changes))  # slow: unlocked
    lock_versions(session)  # two proposals at once: the second sees the first (stale check)
    checked = files
    files, target = rebase(session, base, changes)
    if files != checked:  # a version became current meanwhile and was merged in: check again
        existing = find_existing(session, files)
        if existing is not None:
            return existing, True
        results = check_candidate(files, run_scenarios, added_names(target.files, changes))
    version = deploy_bundle(session, files, actor, note=note, status="proposed",
                            base_version_id=target.id, scenario_results=results)
    if not four_eyes:
        make_current(session, version, actor, approved=True, action="approved")
    return version, False


def _locked_proposal(session, version_id):
    """The proposed version, read fresh under the review lock (ReviewRefused if not proposed)."""
    lock_versions(session)
    version = get_version(session, version_id)
    session.refresh(version)
    if version.status != "proposed":
        raise ReviewRefused("not_proposed", f"version {version.id} is {version.status}, "
                                            f"not proposed")
    return version


def approve(session, version_id, actor, four_eyes=True, run_scenarios=None):
    """A second process owner approves a proposed version: it (or its merge) becomes current.

    When another version became current after the proposal, the proposal's changes are laid
    over it if they touch other files only (checked and run through the scenarios again, and
    stored as a new version); overlapping changes are refused with StaleBase.
    """
    version = _locked_proposal(session, version_id)
    if four_eyes and actor == version.deployed_by:
        raise ReviewRefused("self_approval", f"{actor} proposed version {version.id} and may "
                                             f"not approve it too")
    current = current_version(session, fresh=True)
    base = session.get(DefinitionVersion, version.base_version_id) \
        if version.base_version_id else None
    if base is not None and base.status in ("proposed", "rejected"):
        # proposed on top of another proposal: approval order matters (issue 22)
        raise ReviewRefused("base_" + base.status, Message(
            "version %(id)s bygger på version %(base)s, som er %(status)s",
            id=version.id, base=base.id, status=base.status))
    if current is not None and base is not None and current.id != base.id:
        return _approve_merged(session, version, base, current, actor, run_scenarios)
    version.approved_by, version.approved_at = actor, utcnow()
    make_current(session, version, actor, approved=True, action="approved")
    return version


def _approve_merged(session, version, base, current, actor, run_scenarios):
    """Approve a proposal whose base is no longer current by merging it file by file."""
    ours = changed_names(base.files, version.files)
    overlap = changed_names(base.files, current.files) & ours
    if overlap:
        raise StaleBase(Message("version %(current)s blev aktuel, efter version %(id)s blev foreslået, "
                                "og ændrede %(files)s", current=current.id, id=version.id,
                                files=", ".join(sorted(overlap))),
                        [current], sorted(overlap))
    changes = {n: (version.files or {}).get(n) for n in ours}
    files = apply_changes(current.files, changes)
    merged = find_existing(session, files)
    if merged is None:
        results = check_candidate(files, run_scenarios)
        merged = deploy_bundle(session, files, version.deployed_by,
                               note=f"{version.note} (merged onto version {current.id})",
                               status="proposed", base_version_id=current.id,
                               scenario_results=results)
    version.status = "superseded"
    record_event(session, version, "merged", actor, f"merged onto version {current.id} "
                                                    f"as version {merged.id}")
    merged.approved_by, merged.approved_at = actor, utcnow()
    make_current(session, merged, actor, approved=True, action="approved")
    return merged


def reject(session, version_id, actor, reason=""):
    """Reject a proposed version; it can never become current."""
    version = _locked_proposal(session, version_id)
    version.status = "rejected"
    record_event(session, version, "rejected", actor, reason)
    return version


def rollback(session, version_id, actor):
    """Make an earlier version current again; return (version, previous current).

    Only content that was approved and current before qualifies (NotApproved otherwise): a
    proposal merged onto a newer version is superseded too, but was never approved itself.
    """
    lock_versions(session)
    version = get_version(session, version_id)
    session.refresh(version)
    if version.status == "current":
        raise ReviewRefused("already_current", f"version {version.id} is already current")
    require_approved(version, "a rollback")
    previous = make_current(session, version, actor, action="rolled_back")
    return version, previous
