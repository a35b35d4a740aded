"""The inpatient stage and the helpers it shares with the outpatient stages (see bpmn/stages.py)."""
from bpmn.layout import flow, node

INPATIENT_PHASES = ("Henvendelse i akutfunktion/modtagelse", "Diagnostik og behandlingsplan",
                    "Patienten modtager behandling", "Udskrivelse og overgang")


def _acute_suicide(prefix, lane, after, to, q_at, task_at, merge_at, phase=None):
    """A high suicide risk (after task `after`) brings a same-day psychiatric assessment."""
    props = {"form": "selvmordsrisiko_akut", "due": "today()"}
    if phase:
        props["phase"] = phase
    nodes = [node(f"{prefix}_risk_q", "xor", "Høj selvmordsrisiko?", lane, *q_at),
             node(f"{prefix}_risk_acute", "user", "Akut psykiatrisk vurdering (samme dag)", lane,
                  *task_at, props=props),
             node(f"{prefix}_risk_merge", "xor", "", lane, *merge_at)]
    flows = [flow(after, f"{prefix}_risk_q"),
             flow(f"{prefix}_risk_q", f"{prefix}_risk_acute", "suicide_risk_level == 'hoej'", "høj"),
             flow(f"{prefix}_risk_q", f"{prefix}_risk_merge", name="nej", default=True),
             flow(f"{prefix}_risk_acute", f"{prefix}_risk_merge"), flow(f"{prefix}_risk_merge", to)]
    return nodes, flows


def _notify(event, key, extra=""):
    """Script text that records a HospitalNotification-like message to the home municipality.

    The engine puts each notification in the addressee's inbox (docs/pathway.md, notices).
    """
    return ("notifications = notifications + [{'type': 'HospitalNotification', "
            f"'event': '{event}', 'to': municipality_org, 'from': region_org, 'at': now(), "
            f"'{key}': {key}{extra}}}]")


# what the municipality needs to know after a discharge: where the patient goes, and the plan
DISCHARGE_PLAN = (", 'plan': {'return_stage': return_stage, 'discharge_date': discharge_date, "
                  "'checklist': discharge_checklist, 'note': discharge_note}")
# the admission stage starts with an empty outbox and empty discharge fields, so the list
# stays short however often a patient is admitted, and a discharge by message has them too
ADMISSION_DEFAULTS = ("notifications = []\ndischarge_note = ''\ndischarge_checklist = []\n"
                      "discharge_date = None\n")


def indlagt():
    """Inpatient pathway: four phases, municipal notifications, discharge to a chosen phase.

    "Patienten modtager behandling" records recurring treatment activities like Ustabil: each
    registration ends the run and starts the stage again (``inpatient_phase = 'behandling'``),
    which resumes directly in the treatment phase, so the live state stays bounded.
    """
    p, k = "psykiatri", "kommune"
    # an acute start has had no Opstart yet, so it always continues there
    back = ("next_stage = 'opstart' if admitted_from == 'akut' else (return_stage if return_stage in "
            "('opstart', 'ustabil', 'stabil', 'overgang') else 'ustabil')\n"
            "return_stage = next_stage\ndischarged_at = now()\ninpatient_phase = None\n")
    discharged = back + _notify("discharged", "return_stage", DISCHARGE_PLAN)
    steps = [("indlagt_contact", "Henvendelse i akutfunktion/modtagelse", "indlagt_henvendelse", 0, 1),
             ("indlagt_suicide", "Vurdering af selvmordsrisiko", "selvmordsrisiko", 0, 1),
             ("indlagt_diagnostics", "Diagnostik og behandlingsplan", "indlagt_diagnostik", 1, 7),
             ("indlagt_medicine", "Medicingennemgang", "medicingennemgang", 1, 7)]
    nodes = [node("indlagt_start", "start", "Indlæggelse", p, 0),
             node("indlagt_resume_q", "xor", "I behandlingsfasen?", p, 1),
             node("indlagt_notify_in", "script", "Underret kommunen om indlæggelse", k, 1,
                  script=ADMISSION_DEFAULTS + _notify("admitted", "admitted_from",
                                                      ", 'reason': admission_reason")),
             node("indlagt_split", "and", "", p, 2)]
    flows = [flow("indlagt_start", "indlagt_resume_q"),
             flow("indlagt_resume_q", "indlagt_rsplit", "inpatient_phase == 'behandling'",
                  "behandling"),
             flow("indlagt_resume_q", "indlagt_notify_in", name="ny indlæggelse", default=True),
             flow("indlagt_notify_in", "indlagt_split")]
    prev = "indlagt_split"
    for col, (tid, name, form, phase, days) in enumerate(steps, 3):
        props = {"form": form, "phase": INPATIENT_PHASES[phase]}
        if tid == "indlagt_contact":
            props["treatment_contact"] = "true"   # an admission is a treatment contact
        if days:
            props["due"] = f"iso(add_days(date_of(stage_entered_at), {days}))"
        nodes.append(node(tid, "user", name, p, col, props=props))
        flows.append(flow(prev, tid))
        prev = tid
    risk_nodes, risk_flows = _acute_suicide("indlagt", p, "indlagt_suicide", "indlagt_diagnostics",
                                            (4, 2), (5, 3), (5, 2), phase=INPATIENT_PHASES[0])
    flows = [f for f in flows if (f["src"], f["tgt"]) != ("indlagt_suicide", "indlagt_diagnostics")]
    nodes += risk_nodes
    flows += risk_flows
    treat = {"form": "indlagt_behandling", "phase": INPATIENT_PHASES[2]}
    nodes += [
        node("indlagt_tmerge", "xor", "", p, 7),
        node("indlagt_tsplit", "and", "", p, 8),
        node("indlagt_treatment", "user", "Registrér behandlingsaktivitet", p, 9, props=treat),
        node("indlagt_repeat", "script", "Fortsæt behandlingen", p, 10,
             script="inpatient_phase = 'behandling'\nnext_stage = 'indlagt'"),
        node("indlagt_end_repeat", "terminate", "Ny registrering", p, 11),
        node("indlagt_discharge", "user", "Udskrivelse og overgang", p, 9, 1,
             props={"form": "indlagt_udskrivelse", "phase": INPATIENT_PHASES[3]}),
        node("indlagt_notify_out", "script", "Underret kommunen om udskrivelse", k, 10,
             script=discharged),
        node("indlagt_end", "terminate", "Udskrevet", k, 11),
        # the hospital's discharge message is caught in every phase of the admission
        node("indlagt_msg_out", "message", "Udskrevet", p, 3, 1, message="udskrevet"),
        node("indlagt_notify_msg", "script", "Underret kommunen om udskrivelse", k, 4, 1,
             script=discharged),
        node("indlagt_end_msg", "terminate", "Udskrevet", k, 5, 1),
        node("indlagt_rsplit", "and", "", p, 2, 4),
        node("indlagt_msg_out2", "message", "Udskrevet", p, 3, 5, message="udskrevet"),
        node("indlagt_notify_msg2", "script", "Underret kommunen om udskrivelse", k, 4, 2,
             script=discharged),
        node("indlagt_end_msg2", "terminate", "Udskrevet", k, 5, 2),
    ]
    flows += [flow(prev, "indlagt_tmerge"), flow("indlagt_rsplit", "indlagt_tmerge"),
              flow("indlagt_tmerge", "indlagt_tsplit"),
              flow("indlagt_tsplit", "indlagt_treatment"), flow("indlagt_treatment", "indlagt_repeat"),
              flow("indlagt_repeat", "indlagt_end_repeat"),
              flow("indlagt_tsplit", "indlagt_discharge"), flow("indlagt_discharge", "indlagt_notify_out"),
              flow("indlagt_notify_out", "indlagt_end"),
              flow("indlagt_split", "indlagt_msg_out"), flow("indlagt_msg_out", "indlagt_notify_msg"),
              flow("indlagt_notify_msg", "indlagt_end_msg"),
              flow("indlagt_rsplit", "indlagt_msg_out2"), flow("indlagt_msg_out2", "indlagt_notify_msg2"),
              flow("indlagt_notify_msg2", "indlagt_end_msg2")]
    return {"id": "indlagt", "name": "Indlæggelse", "nodes": nodes, "flows": flows,
            "doc": "Inpatient pathway with its four phases."}
