"""Form field patterns (`validate.pattern`), matched with RE2: linear time, whatever the input.

Python's `re` backtracks: a pattern such as `Notat (.*.*)*X` takes time exponential in the
length of the text and holds the interpreter lock meanwhile, freezing the web process. RE2
never backtracks, so matching costs time proportional to the text. The price is RE2's syntax:
no backreferences and no lookaround. A pattern RE2 cannot compile is refused when the form
definition is validated (forms/registry.py), so it never reaches a proposal or a clinician.
"""
from functools import lru_cache

import re2

MAX_PATTERN_LENGTH = 500  # characters; form patterns are formats (CPR, phone), not programs
RE2_MAX_MEM = 1 << 20  # bytes RE2 may use for one compiled pattern (its default is 8 MiB)


def _options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False  # a refused pattern is reported to the author, not to stderr
    options.max_mem = RE2_MAX_MEM
    return options


@lru_cache(maxsize=512)
def compiled(pattern: str):
    """The pattern anchored to the whole value and compiled with RE2 (re2.error if refused)."""
    return re2.compile(f"^(?:{pattern})$", _options())


def pattern_problem(pattern: object) -> str | None:
    """Why a form pattern is refused (in English, for the definition's author), or None."""
    if not isinstance(pattern, str) or not pattern:
        return "pattern must be a non-empty string"
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"pattern is longer than {MAX_PATTERN_LENGTH} characters"
    try:
        compiled(pattern)
    except re2.error as exc:
        reason = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(
            exc.args[0], bytes) else str(exc)
        return (f"pattern {pattern!r} cannot be used: {reason} (patterns run with RE2, which "
                f"has no backreferences or lookaround)")
    return None


def matches(pattern: str, value: str) -> bool:
    """True when the whole value matches the pattern (RE2, linear time)."""
    return compiled(pattern).search(value) is not None
