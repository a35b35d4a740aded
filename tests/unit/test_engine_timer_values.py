"""Timer expressions that give dates, datetimes or durations as values (not ISO text)."""
from datetime import UTC, datetime

import pytest

from engine import clock
from engine.definitions.parsing import parse_bundle
from engine.errors import EngineError
from engine.runtime import spiff

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="t">
  <bpmn:process id="henvisning" name="H" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait" name="Venter">
      <bpmn:timerEventDefinition id="wd"><bpmn:{kind} xsi:type="bpmn:tFormalExpression">{expr}</bpmn:{kind}></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="e"/>
    <bpmn:endEvent id="e"/>
  </bpmn:process>
</bpmn:definitions>"""
T0 = datetime(2026, 1, 5, tzinfo=UTC)


def due_of(kind, expr):
    bundle = parse_bundle({"x.bpmn": BPMN.format(kind=kind, expr=expr).encode()}, known_forms=set())
    process = bundle.process("henvisning")
    with clock.frozen_at(T0):
        workflow = spiff.new_workflow(process, {"received_at": "2026-01-05"})
        spiff.step(workflow.do_engine_steps)
        workflow = spiff.load(process, spiff.dump(workflow))
        [(_, kind_, _, due)] = spiff.waiting_events(workflow)
    return clock.as_utc(due)


@pytest.mark.parametrize("kind, expr, due", [
    ("timeDate", "date_of(received_at)", datetime(2026, 1, 5, tzinfo=UTC)),
    ("timeDate", "datetime(2026, 1, 6, 8, 30)", datetime(2026, 1, 6, 8, 30, tzinfo=UTC)),
    ("timeDate", "add_days(received_at, 1)", datetime(2026, 1, 6, tzinfo=UTC)),
    ("timeDuration", "timedelta(days=2, hours=1)", datetime(2026, 1, 7, 1, tzinfo=UTC)),
])
def test_timer_values_are_accepted_as_iso(kind, expr, due):
    assert due_of(kind, expr) == due


def test_a_timer_value_of_another_type_names_the_element():
    with pytest.raises(EngineError, match="'wait'.*int"):
        due_of("timeDate", "17")
