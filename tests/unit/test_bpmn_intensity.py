"""The tier's intensity in the pathway: conference timers, the yearly and requested overview."""
import pytest

from engine.definitions.parsing import parse_bundle
from engine.definitions.versions import known_form_ids, read_directory
from tests.unit.test_bpmn import BPMN_DIR, CARRIED, ready_names, result, run


@pytest.fixture(scope="module")
def parser():
    """The bundle as the engine parses it at deploy."""
    return parse_bundle(read_directory(BPMN_DIR), known_form_ids())


@pytest.mark.parametrize("stage", ["ustabil", "stabil"])
def test_high_tier_holds_a_conference_every_four_weeks(parser, stage):
    data = CARRIED | {"complexity_tier": "hoej"}
    wf = run(parser, stage, data, [("at", "2025-09-28T08:00:00+00:00", None)])
    assert f"{stage}_conference" not in ready_names(wf)
    wf = run(parser, stage, data, [("at", "2025-09-29T08:00:00+00:00", None),
                                   ("task", f"{stage}_conference", {"conference_notes": "Plan"})])
    done = result(wf)
    assert (done["next_stage"], done["conference_last"], done["conference_weeks"]) == (stage, "2025-09-29", 4)
    assert done["municipal_offer"] == "individuel" and done["questionnaire_weeks"] == 4
    # the next cycle counts four weeks from the conference that was held
    again = run(parser, stage, dict(done), [("at", "2025-10-26T08:00:00+00:00", None)],
                now="2025-09-29T09:00:00+00:00")
    assert f"{stage}_conference" not in ready_names(again)
    again = run(parser, stage, dict(done), [("at", "2025-10-27T08:00:00+00:00", None)],
                now="2025-09-29T09:00:00+00:00")
    assert f"{stage}_conference" in ready_names(again)


def test_low_tier_waits_half_a_year_for_its_conference(parser):
    wf = run(parser, "stabil", CARRIED | {"complexity_tier": "lav"}, [("at", "2025-12-01T08:00:00+00:00", None)])
    assert "stabil_conference" not in ready_names(wf)
    wf = run(parser, "stabil", CARRIED | {"complexity_tier": "lav"}, [("at", "2026-03-02T08:00:00+00:00", None)])
    assert "stabil_conference" in ready_names(wf)


def test_no_tier_yet_means_no_conference_and_no_error(parser):
    wf = run(parser, "ustabil", CARRIED, [("at", "2026-03-02T08:00:00+00:00", None)])
    assert "ustabil_conference" not in ready_names(wf)
    assert "ustabil_reassess" in ready_names(wf)


def test_a_blank_reconsultation_keeps_the_tier_and_its_intensity(parser):
    wf = run(parser, "ustabil", CARRIED | {"complexity_tier": None, "tier_kept": "hoej"},
             [("task", "ustabil_activity", {"activity_type": "behandlingssamtale"})])
    done = result(wf)
    assert (done["complexity_tier"], done["conference_weeks"]) == ("hoej", 4)


def test_yearly_overview_consultation_that_lowers_the_tier_lowers_the_intensity(parser):
    data = CARRIED | {"complexity_tier": "hoej", "overview_due": "2026-08-31",
                      "conference_last": "2026-08-20"}
    wf = run(parser, "stabil", data, [("at", "2026-08-30T08:00:00+00:00", None)])
    assert "stabil_overview" not in ready_names(wf)
    wf = run(parser, "stabil", data, [
        ("at", "2026-08-31T08:00:00+00:00", None),
        ("task", "stabil_overview", {"complexity_tier": "lav", "complexity_reason": "Stabil bolig"})])
    done = result(wf)
    assert (done["next_stage"], done["complexity_tier"], done["overview_due"]) == ("stabil", "lav", "2027-08-30")
    # the new cycle reads the lower tier: a conference half a year after the last one, not 4 weeks
    again = run(parser, "stabil", dict(done), [("at", "2026-09-20T08:00:00+00:00", None)],
                now="2026-08-31T09:00:00+00:00")
    assert "stabil_conference" not in ready_names(again)
    assert result_like(again)["conference_weeks"] == 26 and result_like(again)["municipal_offer"] == "basis"


def test_overview_consultation_on_request_opens_the_task_at_once(parser):
    data = CARRIED | {"complexity_tier": "moderat", "overview_due": "2026-08-31"}
    wf = run(parser, "ustabil", data, [("msg", "overblik_anmodet", {"overview_reason": "Ny bolig"})])
    assert "ustabil_overview" in ready_names(wf)
    wf = run(parser, "ustabil", data, [("msg", "overblik_anmodet", {"overview_reason": "Ny bolig"}),
                                       ("task", "ustabil_overview", {"complexity_tier": "hoej"})])
    done = result(wf)
    assert (done["complexity_tier"], done["overview_due"]) == ("hoej", "2026-08-31")  # a year from today
    assert done["overview_reason"] is None


def result_like(wf):
    """The data of an open run (a task waiting), as the engine's projection reads it."""
    task = next(t for t in wf.get_tasks() if t.task_spec.name.endswith("_split"))
    return task.data
