"""The guide's rules as a table of named checks: each has a message that breaks it and no other
rule, refused with its code and key, and docs/interop.md lists every key."""
import json
from pathlib import Path

import pytest

from tests.web.hn_rule_breaks import BREAKS, GUARDS, admit
from webui.fhir import acknowledgement, guide_rules
from webui.fhir.codes import ERRORS
from webui.fhir.hospital_notification import parse

DOCS = Path(__file__).resolve().parents[2] / "docs" / "interop.md"
KEYS = [rule.key for rule in guide_rules.RULES]


def _parse(bundle):
    return parse(json.dumps(bundle).encode())


def test_every_rule_has_one_key_a_known_code_and_a_breaking_message():
    assert len(KEYS) == len(set(KEYS))
    assert set(BREAKS) == set(KEYS)
    assert all(rule.code in ERRORS for rule in guide_rules.RULES)
    assert set(GUARDS) <= set(KEYS)
    note, problem, _ = _parse(admit())
    assert problem is None and note.code == "STIN"


@pytest.mark.parametrize("key", KEYS)
def test_the_message_breaking_a_rule_gets_its_code_and_key(key):
    bundle, code = BREAKS[key]
    _note, problem, _ = _parse(bundle)
    assert problem is not None, key
    assert (problem.key, problem.code) == (key, code), problem
    answer = acknowledgement.for_problem(problem, "1000000000000000")
    issue = answer["entry"][3]["resource"]["issue"][0]
    assert issue["details"]["coding"][0]["code"] == code
    assert f"[{key}]" in issue["diagnostics"]


@pytest.mark.parametrize("key", [k for k in KEYS if k not in GUARDS])
def test_the_message_breaks_no_other_rule(key, monkeypatch):
    """Without its rule in the table, the message is a valid notification."""
    monkeypatch.setattr(guide_rules, "RULES", tuple(r for r in guide_rules.RULES if r.key != key))
    note, problem, _ = _parse(BREAKS[key][0])
    assert problem is None and note is not None, (key, problem)


@pytest.mark.parametrize("key", sorted(GUARDS))
def test_a_guard_is_broken_first_by_its_message(key):
    """A rule others rely on: the rows before it hold for its message."""
    position = KEYS.index(key)
    _note, problem, _ = _parse(BREAKS[key][0])
    assert KEYS.index(problem.key) == position


def test_the_docs_list_every_rule_with_its_code():
    text = DOCS.read_text()
    for rule in guide_rules.RULES:
        assert f"| `{rule.key}` |" in text and f"| `{rule.code}` |" in text, rule.key
