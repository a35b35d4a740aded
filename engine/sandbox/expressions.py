"""Checking one expression as a process owner types it: compiled in the sandbox, never run."""
import ast
import difflib
import re
from collections.abc import Collection
from typing import NamedTuple

from engine.errors import Message, SandboxViolation
from engine.sandbox import isolation
from engine.sandbox.helpers import HELPERS
from engine.sandbox.restricted import SAFE_BUILTINS

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


# names every expression may use besides the pathway's data: the sandbox's builtins and helpers
SANDBOX_NAMES = frozenset(SAFE_BUILTINS) | frozenset(HELPERS)
DMN_INPUT = "dmninputexpr"  # stands for the column's input value while a DMN cell is checked


class ExpressionCheck(NamedTuple):
    """The outcome: reason is the sandbox's English text (or our Danish name check), line from 1."""

    ok: bool
    reason: str | None = None
    line: int | None = None
    unknown: tuple = ()  # (name, suggestion or None, line) of every name no data can hold


def _parse(kind: str, text: str) -> ast.AST | None:
    """The expression's syntax tree as the engine would read it, or None when it does not parse."""
    if kind == "dmn":
        tried: tuple[str, ...] = (text, f"{DMN_INPUT} {text}", text.replace("?", DMN_INPUT))
    else:
        tried = (text,)
    for source in tried:
        try:
            return ast.parse(source.strip(), mode="exec" if KINDS.get(kind) == "exec" else "eval")
        except SyntaxError:
            continue
    return None


def unknown_names(kind: str, text: str, known: Collection[str]) -> list[tuple[str, str | None, int]]:
    """Names read by the expression that neither the data, the sandbox nor the text itself defines.

    Each comes with the closest known name (difflib) as a suggestion, and its line.
    """
    tree = _parse(kind, text) if isinstance(text, str) and text.strip() else None
    if tree is None:
        return []
    local = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)
             and isinstance(node.ctx, (ast.Store, ast.Del))}
    local |= {node.arg for node in ast.walk(tree) if isinstance(node, ast.arg)}
    allowed = set(known) | SANDBOX_NAMES | local | {DMN_INPUT}
    found: dict[str, tuple[str, str | None, int]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in allowed:
            close = difflib.get_close_matches(node.id, sorted(known), n=1, cutoff=0.75)
            found.setdefault(node.id, (node.id, close[0] if close else None, node.lineno))
    return sorted(found.values(), key=lambda item: (item[2], item[0]))


def unknown_message(unknown: tuple | list) -> str:
    """The Danish text of unknown names: "ukendt navn `x` – mente du `y`?"."""
    parts = tuple(Message("ukendt navn `%(name)s` – mente du `%(hint)s`?", name=name, hint=hint)
                  if hint else Message("ukendt navn `%(name)s`", name=name)
                  for name, hint, _line in unknown)
    return Message("%(parts)s", parts=parts)


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


def _unknown(kind: str, text: str, known: Collection[str]) -> list[tuple[str, str | None, int]]:
    """unknown_names, in a sandbox worker (the process owner's lane) unless isolation is off."""
    if not isolation.SETTINGS["enabled"]:
        return unknown_names(kind, text, known)
    return isolation.names(kind, text, known)


def check_expression(kind: str, text: object, known: Collection[str] | None = None) -> ExpressionCheck:
    """Compile one expression of the given kind in the sandbox; never execute it.

    With ``known`` (the names a pathway's data can hold), names outside it are refused too.
    """
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
        try:
            unknown = _unknown(kind, stripped, known) if known is not None else []
        except SandboxViolation as exc:
            return ExpressionCheck(False, exc.reason)
        if unknown:
            return ExpressionCheck(False, unknown_message(unknown), unknown[0][2], tuple(unknown))
        return ExpressionCheck(True)
    match = LINE.search(reason)
    return ExpressionCheck(False, reason, int(match.group(1)) if match else None)
