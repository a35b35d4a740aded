"""AUDIT and DUDIT scores and zones against hand-computed cases (rules in docs/../shared/domain.md)."""
import copy

import pytest

from forms.registry import check_schema, load_form
from forms.validation import FormInvalid, validate


def audit(*points):
    """An AUDIT answer set; items not given score 0."""
    answers = {f"audit_{i}": "0" for i in range(1, 11)}
    answers.update({f"audit_{i}": str(p) for i, p in enumerate(points, 1)})
    return answers


def dudit(sex, *points):
    """A DUDIT answer set for the given sex; items not given score 0."""
    answers = {f"dudit_{i}": "0" for i in range(1, 12)}
    answers.update({f"dudit_{i}": str(p) for i, p in enumerate(points, 1)})
    return answers | {"sex": sex}


@pytest.mark.parametrize("points,total,zone", [
    ((), 0, "I"),
    ((4, 3), 7, "I"),
    ((4, 4), 8, "II"),
    ((4, 4, 4, 3), 15, "II"),
    ((2, 2, 2, 2, 2, 2, 2, 2), 16, "III"),
    ((4, 4, 4, 4, 3), 19, "III"),
    ((4, 4, 4, 4, 4), 20, "IV"),
    ((0, 0, 0, 0, 0, 0, 0, 0, 2, 4), 6, "I"),
    ((4, 4, 4, 4, 4, 4, 4, 4, 4, 4), 40, "IV"),
])
def test_audit_total_and_zone(points, total, zone):
    result = validate("audit", audit(*points))
    assert result["audit_score"] == total
    assert result["audit_zone"] == zone
    assert result["audit_zone_label"].startswith(f"Zone {zone} (")


@pytest.mark.parametrize("sex,points,total,zone,cutoff", [
    ("M", (), 0, "ingen", 6),
    ("M", (2, 3), 5, "ingen", 6),
    ("M", (2, 4), 6, "problemer", 6),
    ("K", (1,), 1, "ingen", 2),
    ("K", (2,), 2, "problemer", 2),
    ("K", (0, 0, 0, 0, 0, 0, 0, 0, 0, 2), 2, "problemer", 2),
    ("M", (4, 4, 4, 4, 4, 4), 24, "problemer", 6),
    ("K", (4, 4, 4, 4, 4, 4, 1), 25, "afhaengighed", 2),
    ("M", (4, 4, 4, 4, 4, 4, 1), 25, "afhaengighed", 6),
    ("K", (4,) * 11, 44, "afhaengighed", 2),
])
def test_dudit_total_zone_and_cutoff_by_sex(sex, points, total, zone, cutoff):
    result = validate("dudit", dudit(sex, *points))
    assert (result["dudit_score"], result["dudit_zone"], result["dudit_cutoff"]) == (total, zone, cutoff)


@pytest.mark.parametrize("form_id,answers,key", [
    ("audit", audit(5), "audit_1"),           # items 1-8 score 0-4
    ("audit", audit(0, 0, 0, 0, 0, 0, 0, 0, 3), "audit_9"),   # items 9-10 score 0, 2 or 4
    ("dudit", dudit("M", 0, 0, 0, 0, 0, 0, 0, 0, 0, 1), "dudit_10"),
    ("dudit", dudit("M", -1), "dudit_1"),
    ("dudit", dudit("X"), "sex"),
])
def test_out_of_range_points_are_rejected(form_id, answers, key):
    with pytest.raises(FormInvalid) as err:
        validate(form_id, answers)
    assert err.value.errors == {key: ["Ukendt valgmulighed."]}


def test_browser_supplied_score_is_ignored():
    result = validate("audit", audit(4, 4) | {"audit_score": 0, "audit_zone": "I"})
    assert (result["audit_score"], result["audit_zone"]) == (8, "II")


def test_dudit_needs_sex_to_choose_cutoff():
    answers = dudit("M")
    del answers["sex"]
    with pytest.raises(FormInvalid) as err:
        validate("dudit", answers)
    assert err.value.errors == {"sex": ["Feltet skal udfyldes."]}


def test_bands_with_a_gap_are_caught_at_load():
    schema = copy.deepcopy(load_form("audit").schema)
    schema["x-forlob"]["scoring"]["bands"][1]["max"] = 14
    assert any("skal dække 0..40" in p for p in check_schema("audit", schema))
