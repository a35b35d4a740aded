"""Moving an owner's changes from an old base onto a newer version (issue 22, "stale base").

Files the newer version left alone keep the owner's text; a file both changed is merged line by
line (a three-way merge against the old base): changes in different places are both kept, and
changes to the same lines are a conflict, named by file and line, for the owner to redo by hand.
"""
from difflib import SequenceMatcher

from engine.definitions.versions import get_version
from engine.errors import MergeConflict, Message


def _hunks(base, other):
    """[(base start, base end, replacement lines)] where `other` differs from `base`."""
    matcher = SequenceMatcher(None, base, other, autojunk=False)
    return [(i1, i2, other[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def _overlap(a, b):
    """Two hunks touch the same base lines; an insertion clashes at or inside the other hunk."""
    (a1, a2, _), (b1, b2, _) = a, b
    if a1 == a2:
        return b1 <= a1 <= b2
    if b1 == b2:
        return a1 <= b1 <= a2
    return a1 < b2 and b1 < a2


def merge3(base, ours, theirs):
    """(merged text, [(line, our lines, their lines)]) of two edits of `base`; lines 1-based."""
    lines = base.splitlines(keepends=True)
    mine, others = _hunks(lines, ours.splitlines(keepends=True)), _hunks(lines, theirs.splitlines(keepends=True))
    conflicts = []
    for a in mine:
        for b in others:
            if _overlap(a, b) and a != b:
                conflicts.append((a[0] + 1, "".join(a[2]).strip(), "".join(b[2]).strip()))
    if conflicts:
        return None, conflicts
    edits = sorted({(h[0], h[1], tuple(h[2])) for h in mine + others}, reverse=True)
    for start, end, replacement in edits:  # from the end, so earlier positions stay valid
        lines[start:end] = list(replacement)
    return "".join(lines), []


def rebase_changes(session, base_id, changes, onto_id):
    """The owner's `changes` to version `base_id`, laid onto version `onto_id` instead.

    Returns the changes relative to `onto` (files that end up as `onto` has them are left
    out). Raises MergeConflict naming every file and line both versions changed differently.
    """
    base, onto = get_version(session, base_id), get_version(session, onto_id)
    old, new = base.files or {}, onto.files or {}
    result: dict[str, str | None] = {}
    conflicts: list[tuple[str, int | None, str, str]] = []
    for name, ours in sorted((changes or {}).items()):
        was, theirs = old.get(name), new.get(name)
        if theirs == was or ours == theirs:  # the newer version left the file alone, or agrees
            merged = ours
        elif ours == was:
            continue  # only the newer version changed it
        elif ours is None or was is None or theirs is None:
            conflicts.append((name, None, "", ""))
            continue
        else:
            merged, clashes = merge3(was, ours, theirs)
            conflicts += [(name, line, a, b) for line, a, b in clashes]
        if merged != theirs:
            result[name] = merged
    if conflicts:
        raise MergeConflict(Message(
            "Ændringerne kan ikke flyttes over på version %(onto)s: den og din ændring har ændret "
            "de samme linjer i %(files)s. Lav de ændringer igen i version %(onto)s.",
            onto=onto.id, files=", ".join(sorted({c[0] for c in conflicts}))), conflicts)
    return result
