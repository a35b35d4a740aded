"""Form patterns run with RE2 (linear time); a pattern RE2 cannot take is refused at validation.

Issue 19: `Notat (.*.*)*X` in a proposal's form froze the web process (Python's `re`
backtracks; one match grew about 3x per character and held the interpreter lock).
"""
import copy
import json
import time

import pytest

from engine.definitions.parsing import parse_bundle
from engine.errors import InvalidDefinition
from forms.patterns import MAX_PATTERN_LENGTH, matches, pattern_problem
from forms.registry import FormDefinitionError, check_schema, form_text, parse_form
from forms.validation import FormInvalid, validate

CATASTROPHIC = "Notat (.*.*)*X"


def _with_pattern(pattern, form_id="indskrivning"):
    """The repository's form with its first pattern field's pattern replaced."""
    schema = json.loads(form_text(form_id))
    field = next(c for c in schema["components"] if c.get("validate", {}).get("pattern"))
    schema = copy.deepcopy(schema)
    for c in schema["components"]:
        if c.get("key") == field["key"]:
            c["validate"]["pattern"] = pattern
    return schema, field["key"]


def test_a_catastrophic_pattern_is_matched_in_linear_time():
    schema, key = _with_pattern(CATASTROPHIC)
    form = parse_form("indskrivning", json.dumps(schema))
    for n in (30, 3000):  # Python's re needs minutes already at about 30 characters
        started = time.perf_counter()
        with pytest.raises(FormInvalid) as refused:
            validate(form, {key: "Notat " + "a" * n})
        # minutes for a backtracking matcher already at 30 characters; a loaded machine's
        # pauses stay far below that
        assert time.perf_counter() - started < 5
        assert "Værdien har ikke det rigtige format." in refused.value.errors[key]
    assert pattern_problem(CATASTROPHIC) is None  # valid RE2: allowed, and safe
    assert matches(CATASTROPHIC, "Notat abcX") and not matches(CATASTROPHIC, "xNotat abcX")


@pytest.mark.parametrize("pattern,why", [
    (r"(a+)\1", "invalid escape sequence"),  # backreference
    (r"(?=abc)abc", "invalid perl operator"),  # lookahead
    (r"(?<!x)y", "invalid perl operator"),  # lookbehind
    ("[", "missing ]"),
    ("", "non-empty string"),
    (42, "non-empty string"),
    ("a" * (MAX_PATTERN_LENGTH + 1), "longer than"),
])
def test_a_pattern_re2_cannot_take_is_refused_with_a_message(pattern, why):
    schema, key = _with_pattern(pattern)
    problems = check_schema("indskrivning", schema)
    assert any(key in p and why in p for p in problems), problems
    with pytest.raises(FormDefinitionError):
        parse_form("indskrivning", json.dumps(schema))


def test_a_bundle_with_a_backreference_pattern_does_not_validate():
    schema, _key = _with_pattern(r"(x)\1")
    with pytest.raises(InvalidDefinition) as refused:
        parse_bundle({"forms/indskrivning.json": json.dumps(schema).encode()},
                     known_forms={"indskrivning"})
    assert "RE2" in str(refused.value)


def test_repository_patterns_still_match_as_before():
    with pytest.raises(FormInvalid):
        validate("indskrivning", {"tovholder_org": "hospital-x"})
