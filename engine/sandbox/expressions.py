"""Checking one expression as a process owner types it: compiled in the sandbox, never run."""
import re
from typing import NamedTuple

from engine.errors import SandboxViolation
from engine.sandbox import isolation

# kind of expression -> how the engine compiles it (contracts §2)
KINDS = {"condition": "eval", "script": "exec", "timer": "eval", "due": "eval", "dmn": "eval"}
MAX_LENGTH = 20_000
LINE = re.compile(r"Line (\d+)")
# A timer written as a bare ISO 8601 literal (P14D, 2026-01-01, R3/PT1H) is accepted as text.
ISO_LITERAL = re.compile(r"^(R\d*/)?(P(\d+[YMWD])*(T(\d+[HMS])+)?|\d{4}-\d{2}-\d{2}[T0-9:.+\-Z]*)"
                         r"(/P(\d+[YMWD])*(T(\d+[HMS])+)?)?$", re.IGNORECASE)


def is_iso_literal(text: str) -> bool:
    """True when a timer expression is a bare ISO 8601 date, duration or cycle."""
    return bool(text) and bool(ISO_LITERAL.match(text.strip()))


class ExpressionCheck(NamedTuple):
    """The outcome: reason is the sandbox's English text, line counts from 1."""

    ok: bool
    reason: str | None = None
    line: int | None = None


def _compile(text: str, mode: str) -> str | None:
    """None when `text` compiles under the sandbox policy, else the refusal."""
    try:
        isolation.check(text, mode)  # in a worker: compiling hostile text can be slow or huge
    except SandboxViolation as exc:
        return exc.reason
    return None


def _dmn_entry(text: str) -> str | None:
    """A DMN cell compiles the way the rules accept it: value, comparison or `?` test."""
    if text in ("", "-"):
        return None
    candidates = [f"(dmninputexpr) == ({text})", f"dmninputexpr {text}",
                  text.replace("?", "dmninputexpr")]
    errors = [_compile(c, "eval") for c in candidates]
    return None if any(e is None for e in errors) else _compile(text, "eval") or errors[0]


def check_expression(kind: str, text: object) -> ExpressionCheck:
    """Compile one expression of the given kind in the sandbox; never execute it."""
    if kind not in KINDS:
        raise ValueError(f"unknown expression kind {kind!r}")
    if not isinstance(text, str) or len(text) > MAX_LENGTH:
        return ExpressionCheck(False, f"expression must be text of at most {MAX_LENGTH} characters")
    stripped = text.strip()
    if kind == "timer":
        if not stripped:
            return ExpressionCheck(False, "empty timer")
        if is_iso_literal(stripped):
            return ExpressionCheck(True)
    if kind == "dmn":
        reason = _dmn_entry(stripped)
    elif not stripped:
        return ExpressionCheck(True)
    else:
        reason = _compile(text, KINDS[kind])
    if reason is None:
        return ExpressionCheck(True)
    match = LINE.search(reason)
    return ExpressionCheck(False, reason, int(match.group(1)) if match else None)
