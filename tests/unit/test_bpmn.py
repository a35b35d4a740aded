"""The pathway bundle in bpmn/: structure, lanes, forms, DI, and each stage run directly in SpiffWorkflow.

These are quick checks of the BPMN itself with the engine's sandbox and clock; the full
paths through the engine facade are in tests/integration/test_pathway_*.py.
"""
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree
from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from engine import clock
from engine.definitions.parsing import parse_bundle
from engine.definitions.versions import known_form_ids, read_directory
from engine.runtime.spiff import SCRIPT_ENGINE
from forms.registry import form_ids

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
STAGES = {"henvisning": "Henvisning og visitation", "opstart": "Opstart", "ustabil": "Ustabil",
          "stabil": "Stabil", "overgang": "Overgang/afslutning", "indlagt": "Indlæggelse"}
REGIONS = ("hovedstaden", "sjaelland", "syddanmark", "midtjylland", "nordjylland")
NATIONAL = {1: "2024-09-01", 2: "2025-07-01", 3: "2026-07-01"}
CONTACTS = {1: ["psykiatri"], 2: ["psykiatri", "kommune"], 3: ["kommune"]}


@pytest.fixture(scope="module")
def parser():
    """The bundle as the engine parses and validates it at deploy (processes by id)."""
    return parse_bundle(read_directory(BPMN_DIR), known_form_ids())


def test_bundle_passes_engine_validation_without_warnings(recwarn):
    bundle = parse_bundle(read_directory(BPMN_DIR), known_form_ids())
    assert sorted(bundle.processes) == sorted(STAGES)
    assert {p.name for p in bundle.processes.values()} == set(STAGES.values())
    assert [str(w.message) for w in recwarn] == []


def docs():
    """Parsed XML of every BPMN file."""
    return {f.stem: etree.parse(str(f)) for f in sorted(BPMN_DIR.glob("*.bpmn"))}


def test_every_stage_is_a_process_with_the_contract_name():
    found = {p.get("id"): p.get("name") for d in docs().values() for p in d.findall("bpmn:process", NS)}
    assert found == STAGES


def test_every_user_task_has_a_lane_and_a_known_form():
    forms = set(form_ids())
    for stage, doc in docs().items():
        lane_of = {ref.text: lane.get("name") for lane in doc.iterfind(".//bpmn:lane", NS)
                   for ref in lane.findall("bpmn:flowNodeRef", NS)}
        tasks = doc.findall(".//bpmn:userTask", NS)
        assert tasks, stage
        for task in tasks:
            props = {p.get("name"): p.get("value") for p in task.iterfind(".//spiffworkflow:property", NS)}
            assert lane_of.get(task.get("id")) in {"psykiatri", "kommune", "tovholder", "patient"}, task.get("id")
            assert props.get("form") in forms, task.get("id")


def test_lanes_cover_the_three_roles_and_the_patient_across_the_pathway():
    lanes = {lane.get("name") for d in docs().values() for lane in d.iterfind(".//bpmn:lane", NS)}
    assert lanes == {"psykiatri", "kommune", "tovholder", "patient"}  # patient: answers from home


def test_inpatient_tasks_carry_the_four_phases():
    doc = docs()["indlagt"]
    phases = [p.get("value") for p in doc.iterfind(".//spiffworkflow:property[@name='phase']", NS)]
    assert set(phases) == {"Henvendelse i akutfunktion/modtagelse", "Diagnostik og behandlingsplan",
                           "Patienten modtager behandling", "Udskrivelse og overgang"}


def test_no_sequence_flow_cycles():
    for stage, doc in docs().items():
        edges = {}
        for f in doc.iterfind(".//bpmn:sequenceFlow", NS):
            edges.setdefault(f.get("sourceRef"), []).append(f.get("targetRef"))
        state = {}

        def visit(n, edges=edges, state=state, stage=stage):
            state[n] = "open"
            for m in edges.get(n, []):
                assert state.get(m) != "open", f"cycle in {stage} through {m}"
                if m not in state:
                    visit(m)
            state[n] = "done"
        for n in list(edges):
            if n not in state:
                visit(n)


def test_every_element_is_drawn():
    for stage, doc in docs().items():
        drawn = {s.get("bpmnElement") for s in doc.iterfind(".//bpmndi:BPMNShape", NS)}
        drawn |= {e.get("bpmnElement") for e in doc.iterfind(".//bpmndi:BPMNEdge", NS)}
        process = doc.find("bpmn:process", NS)
        elements = {e.get("id") for e in process if e.get("id") and not e.tag.endswith("laneSet")}
        elements |= {lane.get("id") for lane in process.iterfind(".//bpmn:lane", NS)}
        assert elements - drawn == set(), stage


def run(parser, stage, data, steps, now="2025-09-01T09:00:00+00:00"):
    """Run one stage cycle: complete user tasks by spec name, deliver messages, move the clock."""
    moment = datetime.fromisoformat(now)
    with clock.frozen_at(moment):
        info = parser.process(stage)
        wf = BpmnWorkflow(info.spec, info.subprocess_specs, script_engine=SCRIPT_ENGINE)
        for task in wf.get_tasks(state=TaskState.READY):
            task.data.update({"previous_stage": None} | data, stage=stage, stage_entered_at=now,
                             run_started_at=now)
        wf.do_engine_steps()
    for step in steps:
        kind, arg, payload = step
        if kind == "at":
            moment = datetime.fromisoformat(arg)
        with clock.frozen_at(moment):
            if kind == "task":
                ready = {t.task_spec.name: t for t in wf.get_tasks(state=TaskState.READY, manual=True)}
                assert arg in ready, f"{arg} not ready; ready: {sorted(ready)}"
                ready[arg].data.update(payload)
                ready[arg].run()
            elif kind == "msg":
                wf.catch(BpmnEvent(MessageEventDefinition(arg), payload))
                waiting = [t for t in wf.get_tasks(state=TaskState.READY) if t.task_spec.name.endswith(arg)]
                for t in waiting:
                    t.data.update(payload)
            for _ in range(3):  # timers that fall due together fire one after another
                wf.refresh_timers()
                wf.do_engine_steps()
    return wf


def ready_names(wf):
    """Names of the user tasks that can be worked now."""
    return sorted(t.task_spec.name for t in wf.get_tasks(state=TaskState.READY, manual=True))


def result(wf):
    """The data the engine would carry on from a completed run."""
    assert wf.completed
    return wf.last_task.data


REFERRAL = {"patient_id": 1, "region": "hovedstaden", "municipality": "koebenhavn",
            "region_org": "region-hovedstaden", "municipality_org": "kommune-koebenhavn",
            "referrer": "Egen læge", "received_at": "2025-09-01", "sex": "K"}
INCLUDE = ("task", "visitation", {"visitation_decision": "inkluderet"})
ENROL = ("task", "indskrivning", {"tovholder": "tove", "tovholder_org": "kommune-koebenhavn"})


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize("group", [1, 2, 3])
def test_phase_in_gate_per_region_and_group(parser, region, group):
    opening = NATIONAL[group]
    referral = REFERRAL | {"region": region, "contacts": CONTACTS[group], "received_at": "2024-08-20"}
    wf = run(parser, "henvisning", referral, [INCLUDE], now="2024-08-20T09:00:00+00:00")
    data = wf.get_tasks(state=TaskState.WAITING)[0].data
    assert (data["group"], data["phase_in_date"], data["waiting_until"]) == (group, opening, opening)
    assert data["guarantee_due"] == {1: "2024-09-15", 2: "2025-07-15", 3: "2026-07-15"}[group]
    assert ready_names(wf) == []
    wf = run(parser, "henvisning", referral, [INCLUDE, ("at", f"{opening}T00:30:00+00:00", None), ENROL],
             now="2024-08-20T09:00:00+00:00")
    assert result(wf)["next_stage"] == "opstart" and result(wf)["waiting_until"] is None


def test_open_group_goes_straight_to_enrolment(parser):
    wf = run(parser, "henvisning", REFERRAL | {"contacts": ["kommune"]}, [INCLUDE],
             now="2026-08-01T09:00:00+00:00")
    assert ready_names(wf) == ["indskrivning"]


def test_exclusion_returns_to_referrer(parser):
    wf = run(parser, "henvisning", REFERRAL | {"contacts": ["psykiatri"]},
             [("task", "visitation", {"visitation_decision": "afvist", "exclusion_reason": "under_18"})])
    data = result(wf)
    assert (data["next_stage"], data["end_reason"], data["returned_to_referrer"]) == \
           ("", "Afvist ved visitation", "Egen læge")


def test_guarantee_warning_and_breach(parser):
    wf = run(parser, "henvisning", REFERRAL | {"contacts": ["psykiatri"]},
             [("at", "2025-09-12T12:00:00+00:00", None)], now="2025-09-01T09:00:00+00:00")
    data = wf.get_tasks(state=TaskState.READY, manual=True)[0].data
    assert data["guarantee_due"] == "2025-09-15"
    warned = wf.get_tasks(spec_name="henv_warn")[0].data
    assert warned["guarantee_warning"] is True and not warned["guarantee_breached"]
    wf = run(parser, "henvisning", REFERRAL | {"contacts": ["psykiatri"]},
             [("at", "2025-09-16T06:00:00+00:00", None), INCLUDE, ENROL])
    assert result(wf)["guarantee_breached"] is True


CARRIED = {"notifications": [], "reassess_weeks": 8, "reassess_at": None, "reassess_stage": None,
           "questionnaire_at": None,
           "guarantee_due": None, "admission_reason": "", "municipal_part": True,
           "suicide_risk_level": None, "inpatient_phase": None,
           "complexity_tier": None, "tier_kept": None, "overview_due": None, "overview_reason": None,
           "conference_last": None, "conference_weeks": None, "questionnaire_weeks": None,
           "municipal_offer": None, "digital_offer": None,
           **REFERRAL, "contacts": ["psykiatri"]}


@pytest.mark.parametrize("stage", ["opstart", "ustabil", "stabil", "overgang"])
def test_admission_from_each_outpatient_stage(parser, stage):
    wf = run(parser, stage, CARRIED, [("msg", "indlagt", {})])
    data = result(wf)
    assert (data["next_stage"], data["admitted_from"], data["return_stage"]) == ("indlagt", stage, "ustabil")


def test_cycling_stage_repeats_and_keeps_reassessment_date(parser):
    wf = run(parser, "ustabil", CARRIED, [("task", "ustabil_municipal", {"activity_type": "netvaerksmoede"})])
    data = result(wf)
    assert (data["next_stage"], data["reassess_at"]) == ("ustabil", "2025-10-27")
    again = run(parser, "ustabil", dict(data), [("task", "ustabil_activity", {})], now="2025-10-01T09:00:00+00:00")
    assert result(again)["reassess_at"] == "2025-10-27"


def test_reassessment_timer_asks_for_revurdering(parser):
    wf = run(parser, "stabil", CARRIED, [("at", "2025-10-27T08:00:00+00:00", None)])
    assert "stabil_reassess" in ready_names(wf)
    wf = run(parser, "stabil", CARRIED, [("at", "2025-10-27T08:00:00+00:00", None),
                                         ("task", "stabil_reassess", {"phase_decision": "stabil"})])
    assert result(wf)["next_stage"] == "stabil" and result(wf)["reassess_at"] == "2025-12-22"


def test_opstart_runs_all_tools_then_decides(parser):
    tools = ["opstart_audit", "opstart_dudit", "opstart_suicide", "opstart_medicine", "opstart_plan", "opstart_harm"]
    wf = run(parser, "opstart", CARRIED, [])
    assert ready_names(wf) == sorted(tools)
    wf = run(parser, "opstart", CARRIED, [("task", t, {}) for t in tools] +
             [("task", "opstart_assess", {"phase_decision": "stabil"})])
    assert result(wf)["next_stage"] == "stabil"


def test_overgang_ends_with_handover(parser):
    wf = run(parser, "overgang", CARRIED, [("task", "overgang_assess", {"phase_decision": "gennemfoer"}),
                                           ("task", "overgang_handover", {"handover_to": "primaer_sektor",
                                            "handover_date": "2025-10-01", "handover_checklist": ["epikrise"]}),
                                           ("task", "overgang_plan", {"plan_items": ["maal"],
                                                                      "plan_review_date": "2025-11-01"})])
    assert (result(wf)["next_stage"], result(wf)["end_reason"]) == ("", "Overdraget til primær sektor")
    [handover] = result(wf)["notifications"]          # the municipality's handover notice
    assert (handover["event"], handover["handover_to"], handover["plan_items"]) == \
        ("handover", "primaer_sektor", ["maal"])


@pytest.mark.parametrize("chosen", ["opstart", "ustabil", "stabil", "overgang"])
def test_inpatient_pathway_returns_to_chosen_phase_and_notifies(parser, chosen):
    data = CARRIED | {"admitted_from": "stabil", "return_stage": "ustabil"}
    steps = [("task", n, {}) for n in ["indlagt_contact", "indlagt_suicide", "indlagt_diagnostics",
                                       "indlagt_medicine"]]
    wf = run(parser, "indlagt", data, steps + [("task", "indlagt_discharge", {"return_stage": chosen})])
    out = result(wf)
    assert out["next_stage"] == chosen
    assert [(n["event"], n["to"]) for n in out["notifications"]] == \
           [("admitted", "kommune-koebenhavn"), ("discharged", "kommune-koebenhavn")]


def test_unlisted_region_falls_back_to_national_dates(parser):
    wf = run(parser, "henvisning", REFERRAL | {"region": "ukendt", "contacts": ["psykiatri", "kommune"]}, [])
    assert wf.get_tasks(state=TaskState.READY, manual=True)[0].data["phase_in_date"] == NATIONAL[2]


def test_inpatient_treatment_activities_recur_and_resume_in_the_treatment_phase(parser):
    data = CARRIED | {"admitted_from": "stabil", "return_stage": "ustabil"}
    steps = [("task", n, {}) for n in ["indlagt_contact", "indlagt_suicide", "indlagt_diagnostics",
                                       "indlagt_medicine", "indlagt_treatment"]]
    out = result(run(parser, "indlagt", data, steps))
    assert (out["next_stage"], out["inpatient_phase"]) == ("indlagt", "behandling")
    again = run(parser, "indlagt", dict(out), [])
    assert ready_names(again) == ["indlagt_discharge", "indlagt_treatment"]
    done = result(run(parser, "indlagt", dict(out), [("task", "indlagt_discharge",
                                                            {"return_stage": "stabil"})]))
    assert (done["next_stage"], done["inpatient_phase"]) == ("stabil", None)
    # the admission notice is not sent again when the stage resumes
    assert [n["event"] for n in done["notifications"]] == ["admitted", "discharged"]


@pytest.mark.parametrize("stage,days,due", [("ustabil", 14, "2025-09-15"), ("stabil", 42, "2025-10-13")])
def test_the_bpmn_asks_the_patient_for_a_questionnaire_on_its_own_timer(parser, stage, days, due):
    """Issue 23: the phase's BPMN decides when the patient is asked (not worker config)."""
    day_before = (date.fromisoformat(due) - timedelta(days=1)).isoformat()
    before = run(parser, stage, CARRIED, [("at", f"{day_before}T12:00:00+00:00", None)])
    assert f"{stage}_q_answer" not in ready_names(before)
    wf = run(parser, stage, CARRIED, [("at", f"{due}T09:00:00+00:00", None)])
    task = next(t for t in wf.get_tasks(state=TaskState.READY, manual=True)
                if t.task_spec.name == f"{stage}_q_answer")
    assert task.task_spec.lane == "patient"
    assert task.task_spec.extensions["properties"]["form"] == "who5"
    done = run(parser, stage, CARRIED, [("at", f"{due}T09:00:00+00:00", None),
                                        ("at", f"{due}T10:00:00+00:00", None),
                                        ("task", f"{stage}_q_answer", {"home_zone": "green"})])
    data = result(done)  # the answer starts a new cycle of the same stage with the next date
    assert data["next_stage"] == stage and data["questionnaire_days"] == days
    assert data["questionnaire_at"] == (date.fromisoformat(due) + timedelta(days=days)).isoformat()


def test_a_new_cycle_keeps_the_questionnaire_date_and_a_new_stage_restarts_it(parser):
    wf = run(parser, "ustabil", CARRIED, [("task", "ustabil_activity", {})])
    data = result(wf)
    assert data["questionnaire_at"] == "2025-09-15"
    again = run(parser, "ustabil", dict(data), [("task", "ustabil_activity", {})], now="2025-09-10T09:00:00+00:00")
    assert result(again)["questionnaire_at"] == "2025-09-15"  # registering activity does not reset it
    moved = run(parser, "stabil", dict(result(again)), [("task", "stabil_activity", {})],
                now="2025-09-20T09:00:00+00:00")
    assert result(moved)["questionnaire_at"] == "2025-11-01"  # Stabil: 42 days from its own start


@pytest.mark.parametrize("stage,tier,weeks", [("ustabil", "hoej", 4), ("stabil", "moderat", 8)])
def test_the_tier_sets_the_questionnaire_interval_in_the_bpmn(parser, stage, tier, weeks):
    """Issues 23+24: with a tier, the next questionnaire comes questionnaire_weeks * 7 days on."""
    due = "2025-09-15" if stage == "ustabil" else "2025-10-13"
    carried = dict(CARRIED, complexity_tier=tier)
    done = run(parser, stage, carried, [("at", f"{due}T09:00:00+00:00", None),
                                        ("at", f"{due}T10:00:00+00:00", None),
                                        ("task", f"{stage}_q_answer", {"home_zone": "green"})])
    data = result(done)
    assert data["questionnaire_weeks"] == weeks
    assert data["questionnaire_at"] == (date.fromisoformat(due) + timedelta(weeks=weeks)).isoformat()
    # the next cycle's entry script keeps that date and takes the tier's interval
    again = run(parser, stage, dict(data), [("task", f"{stage}_activity", {})], now=f"{due}T11:00:00+00:00")
    assert result(again)["questionnaire_days"] == weeks * 7
    assert result(again)["questionnaire_at"] == data["questionnaire_at"]
