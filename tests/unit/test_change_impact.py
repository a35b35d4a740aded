"""Which elements a change can alter (engine.definitions.impact), to rerun only those scenarios."""
import json
from pathlib import Path

from engine.definitions.impact import affected_elements
from engine.definitions.versions import read_source

SOURCE = {n: d.decode("utf-8") for n, d in
          read_source(Path(__file__).resolve().parents[2] / "bpmn").items()}
RULE_12 = '<outputEntry id="rule_12_date"><text>"2026-07-01"</text>'


def with_change(name, old, new):
    assert old in SOURCE[name], (name, old)
    return dict(SOURCE, **{name: SOURCE[name].replace(old, new, 1)})


def test_no_change_alters_nothing():
    assert affected_elements(SOURCE, dict(SOURCE)) == set()


def test_a_rows_output_concerns_that_row_only_and_its_inputs_every_caller():
    out = with_change("phase_in.dmn", RULE_12, '<outputEntry id="rule_12_date"><text>"2027-01-04"</text>')
    assert affected_elements(SOURCE, out) == {"rule_12"}
    inputs = with_change("phase_in.dmn", '<inputEntry id="rule_12_group"><text>3</text>',
                         '<inputEntry id="rule_12_group"><text>2</text>')
    assert affected_elements(SOURCE, inputs) == {"henv_phase_in"}


def test_a_condition_concerns_the_gateway_the_flow_leaves():
    files = with_change("overgang.bpmn", "phase_decision in ('ustabil', 'stabil')", "phase_decision == 'ustabil'")
    assert affected_elements(SOURCE, files) == {"Flow_overgang_6", "overgang_choice"}


def test_a_form_field_concerns_the_tasks_that_show_the_form():
    schema = json.loads(SOURCE["forms/visitation.json"])
    schema["components"].append({"type": "textfield", "id": "Field_x", "key": "ekstra", "label": "Ekstra"})
    files = dict(SOURCE, **{"forms/visitation.json": json.dumps(schema)})
    assert affected_elements(SOURCE, files) == {"visitation"}


def test_new_wording_alters_no_journey_but_a_stage_name_does():
    task = with_change("stabil.bpmn", 'name="Registrér aktivitet"', 'name="Registrér stabil aktivitet"')
    assert affected_elements(SOURCE, task) == set()
    process = with_change("stabil.bpmn", '<bpmn:process id="stabil" name="Stabil"', '<bpmn:process id="stabil" name="Stabil fase"')
    assert affected_elements(SOURCE, process) == {"stabil"}


def test_what_cannot_be_mapped_concerns_every_scenario():
    removed = {n: t for n, t in SOURCE.items() if n != "overgang.bpmn"}
    assert affected_elements(SOURCE, removed) is None
    broken = dict(SOURCE, **{"stabil.bpmn": "<not xml"})
    assert affected_elements(SOURCE, broken) is None
