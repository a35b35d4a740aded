"""Names checked while typing: expressions may read only names the pathway's data can hold."""
from pathlib import Path

import pytest

from engine.definitions.names import RUNTIME_KEYS, known_names, name_problems
from engine.definitions.versions import read_source
from engine.runtime.pathways import ENGINE_KEYS
from engine.sandbox.expressions import check_expression, unknown_names

BPMN = Path(__file__).resolve().parents[2] / "bpmn"


@pytest.fixture(scope="module")
def files():
    return {n: d.decode("utf-8") for n, d in read_source(BPMN).items()}


@pytest.fixture(scope="module")
def known(files):
    return known_names(files)


def test_known_names_come_from_forms_start_data_scripts_and_decisions(known):
    assert {"visitation_decision", "forward_to"} <= known            # form fields
    assert {"region", "received_at", "municipality_org"} <= known    # start data
    assert {"inpatient_phase", "suicide_risk_level"} <= known        # assigned by scripts
    assert "phase_in_date" in known                                  # the DMN's output
    assert {"audit_score", "audit_zone"} <= known                    # computed by scoring
    assert set(ENGINE_KEYS) <= set(RUNTIME_KEYS) <= known            # kept by the engine


@pytest.mark.parametrize(("text", "wrong", "meant"), [
    ("visitations_decision == 'afvist'", "visitations_decision", "visitation_decision"),
    ("inpatient_phse == 'behandling'", "inpatient_phse", "inpatient_phase"),
    ("suicide_risk_lvl == 'hoej'", "suicide_risk_lvl", "suicide_risk_level"),
])
def test_misspelt_names_are_flagged_with_a_suggestion(known, text, wrong, meant):
    result = check_expression("condition", text, known)
    assert not result.ok
    assert result.unknown == ((wrong, meant, 1),)
    assert result.reason == f"ukendt navn `{wrong}` – mente du `{meant}`?"


def test_correct_names_helpers_and_local_names_pass(known):
    assert check_expression("condition", "visitation_decision == 'afvist'", known).ok
    assert check_expression("due", "iso(add_days(date_of(reassess_at), 14))", known).ok
    script = "items = [x for x in contacts if x]\ntotal = len(items)\nnext_stage = 'stabil' if total else stage"
    assert check_expression("script", script, known).ok
    assert check_expression("dmn", '"2027-01-04"', known).ok and check_expression("dmn", "< 3", known).ok
    # without known names only the sandbox compiles the text
    assert check_expression("condition", "anything_at_all == 1").ok


def test_a_name_far_from_every_known_name_gets_no_suggestion(known):
    assert unknown_names("condition", "zzz_qqq > 1", known) == [("zzz_qqq", None, 1)]
    result = check_expression("script", "x = 1\ny = x + nope_nope", known)
    assert result.reason == "ukendt navn `nope_nope`" and result.line == 2


def test_the_repository_bundle_reads_no_unknown_name(files):
    assert name_problems(files) == []


def test_a_misspelt_gateway_condition_is_a_bundle_problem_naming_the_flow(files):
    changed = dict(files)
    changed["indlagt.bpmn"] = files["indlagt.bpmn"].replace("inpatient_phase == 'behandling'",
                                                            "inpatient_phse == 'behandling'")
    problems = name_problems(changed)
    assert [(p[0], p[1]) for p in problems] == [("indlagt.bpmn", "Flow_indlagt_2")]
    assert "mente du `inpatient_phase`?" in problems[0][3]


def test_a_bundle_without_forms_is_not_name_checked(files):
    diagrams = {n: t for n, t in files.items() if not n.startswith("forms/")}
    diagrams["indlagt.bpmn"] = diagrams["indlagt.bpmn"].replace("inpatient_phase ==", "inpatient_phse ==")
    assert name_problems(diagrams) == []
