"""WHO-5 scoring and triage against hand-computed answer sets."""
import pytest

from forms import who5


def _answers(points, suicidal=False, contact=False):
    answers = dict(zip(who5.ITEMS, points, strict=True))
    answers.update(suicidal_thoughts=suicidal, wants_contact=contact, talk_about="")
    return answers


@pytest.mark.parametrize(("points", "raw", "percentage", "zone", "rule"), [
    ((5, 5, 5, 5, 5), 25, 100, "green", "good_wellbeing"),
    ((3, 3, 3, 3, 1), 13, 52, "green", "good_wellbeing"),      # 13*4 = 52 > 50
    ((3, 3, 3, 3, 0), 12, 48, "yellow", "poor_wellbeing"),     # 12*4 = 48 <= 50
    ((2, 2, 2, 2, 2), 10, 40, "yellow", "poor_wellbeing"),
    ((2, 2, 2, 1, 1), 8, 32, "yellow", "poor_wellbeing"),      # 32 > 28
    ((2, 2, 1, 1, 1), 7, 28, "red", "likely_depression"),      # 28 is the depression cut-off
    ((0, 0, 0, 0, 0), 0, 0, "red", "likely_depression"),
])
def test_score_and_zone_by_hand(points, raw, percentage, zone, rule):
    result = who5.score(_answers(points))
    assert (result["raw"], result["percentage"], result["zone"], result["rule"]) == (raw, percentage, zone, rule)
    assert result["call_now"] is False


def test_cutoffs_are_the_published_ones():
    assert who5.score(_answers((3, 3, 3, 3, 1)))["band"] == "good_wellbeing"   # 52
    assert who5.score(_answers((3, 3, 3, 2, 1)))["band"] == "poor_wellbeing"   # 12*4 = 48
    assert who5.score(_answers((5, 5, 2, 0, 0)))["percentage"] == 48


def test_safety_questions_make_any_score_red_and_ask_to_call_now():
    good = (5, 5, 5, 5, 5)
    suicidal = who5.score(_answers(good, suicidal=True))
    assert (suicidal["zone"], suicidal["rule"], suicidal["call_now"]) == ("red", "suicidal_thoughts", True)
    contact = who5.score(_answers(good, contact=True))
    assert (contact["zone"], contact["rule"], contact["call_now"]) == ("red", "wants_contact", True)
    assert contact["percentage"] == 100                          # the score itself is unchanged


def test_parse_refuses_missing_and_out_of_range_answers():
    form = {key: "3" for key in who5.ITEMS} | {"suicidal_thoughts": "nej", "wants_contact": "nej"}
    assert who5.parse(form)["who5_1"] == 3
    with pytest.raises(who5.InvalidAnswers, match="who5_2"):
        who5.parse(form | {"who5_2": "6"})
    with pytest.raises(who5.InvalidAnswers, match="who5_3"):
        who5.parse({k: v for k, v in form.items() if k != "who5_3"})
    with pytest.raises(who5.InvalidAnswers, match="wants_contact"):
        who5.parse(form | {"wants_contact": "måske"})
    with pytest.raises(who5.InvalidAnswers):
        who5.parse(form | {"who5_4": "-1"})


def test_rules_table_covers_every_rule_once():
    ids = [rule for rule, _text, _zone in who5.RULES]
    assert len(ids) == len(set(ids)) == 5

