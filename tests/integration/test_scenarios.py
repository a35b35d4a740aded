"""The scenarios in bpmn/scenarios run against the repository's pathway (the same run gates the
modeler's proposals), and a pathway without the enrolment task fails them."""
import re
from pathlib import Path

import pytest

from engine.definitions.proposals import check_candidate
from engine.definitions.versions import read_source
from engine.errors import ScenarioFailed
from scenarios.catalogue import load_all
from scenarios.runner import run_all, run_one

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
SOURCE = {n: d.decode("utf-8") for n, d in read_source(BPMN_DIR).items()}


def without_enrolment_task(files):
    """henvisning.bpmn with "Indskrivning og tovholder" deleted and its flows joined up."""
    x = files["henvisning.bpmn"]
    task = re.search(r'<bpmn:userTask id="indskrivning".*?</bpmn:userTask>', x, flags=re.S)
    outgoing = re.search(r"<bpmn:outgoing>(.*?)</bpmn:outgoing>", task.group(0)).group(1)
    incoming = re.search(r"<bpmn:incoming>(.*?)</bpmn:incoming>", task.group(0)).group(1)
    after = re.search(rf'<bpmn:sequenceFlow id="{outgoing}"[^>]*targetRef="([^"]+)"', x).group(1)
    x = x.replace(task.group(0), "")
    x = re.sub(rf'<bpmn:sequenceFlow id="{outgoing}"[^>]*?(/>|>\s*</bpmn:sequenceFlow>)', "", x)
    x = re.sub(rf'(<bpmn:sequenceFlow id="{incoming}"[^>]*targetRef=")indskrivning"', rf'\1{after}"', x)
    x = x.replace(f"<bpmn:incoming>{outgoing}</bpmn:incoming>", f"<bpmn:incoming>{incoming}</bpmn:incoming>")
    x = x.replace("<bpmn:flowNodeRef>indskrivning</bpmn:flowNodeRef>", "")
    x = re.sub(r'<bpmndi:BPMNShape[^>]*bpmnElement="indskrivning".*?</bpmndi:BPMNShape>', "", x, flags=re.S)
    x = re.sub(rf'<bpmndi:BPMNEdge[^>]*bpmnElement="{outgoing}".*?</bpmndi:BPMNEdge>', "", x, flags=re.S)
    assert 'id="indskrivning"' not in x
    return x


def test_there_are_enough_scenarios_with_unique_ids():
    scenarios = load_all()
    assert len(scenarios) >= 10
    assert len({s["id"] for s in scenarios}) == len(scenarios)


@pytest.mark.parametrize("scenario", load_all(), ids=lambda s: s["id"])
def test_every_scenario_passes_on_bpmn(scenario):
    result = run_one(SOURCE, scenario)
    assert result["ok"], f"{result['id']} step {result['step']}: {result['message']}"


def test_deleting_the_tovholder_task_fails_scenarios_at_a_named_step():
    files = {**SOURCE, "henvisning.bpmn": without_enrolment_task(SOURCE)}
    scenarios = [s for s in load_all() if s["id"] in ("gruppe1_ustabil", "garantibrud")]
    with pytest.raises(ScenarioFailed) as caught:
        check_candidate(files, lambda f: run_all(f, scenarios))
    failed = {r["id"]: r for r in caught.value.results}
    assert not failed["gruppe1_ustabil"]["ok"] and failed["gruppe1_ustabil"]["step"] == 3
    assert "uden tovholder" in failed["gruppe1_ustabil"]["message"]
