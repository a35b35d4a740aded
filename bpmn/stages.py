"""The pathway's stages as data; ``python -m bpmn.stages`` writes ``bpmn/<stage>.bpmn``.

Each stage is one top-level process (docs/contracts.md §1). A stage never loops inside
itself: it ends and names the next stage (possibly itself) in ``next_stage``.
"""
from pathlib import Path

from bpmn.inpatient import INPATIENT_PHASES, _acute_suicide, _notify, indlagt  # noqa: F401
from bpmn.layout import flow, node, render

OUTPATIENT = ("opstart", "ustabil", "stabil", "overgang")


def _admission(stage, col, lane, row):
    """Nodes and flows of the branch that waits for an admission message in an outpatient stage."""
    script = (f"admitted_from = '{stage}'\nreturn_stage = 'ustabil'\n"
              "admitted_at = now()\nnext_stage = 'indlagt'")
    nodes = [node(f"{stage}_msg_indlagt", "message", "Indlagt", lane, col, row, message="indlagt"),
             node(f"{stage}_admit", "script", "Sæt ambulant forløb i bero", lane, col + 1, row, script=script),
             node(f"{stage}_end_admit", "terminate", "Til indlæggelse", lane, col + 2, row)]
    flows = [flow(f"{stage}_msg_indlagt", f"{stage}_admit"), flow(f"{stage}_admit", f"{stage}_end_admit")]
    return nodes, flows


def _entry_script(stage):
    """Stage-entry script: keep the reassessment date while the stage repeats, else start it anew."""
    return (f"reassess_at = reassess_at if (reassess_stage == '{stage}' and reassess_at) "
            "else iso(add_weeks(date_of(stage_entered_at), reassess_weeks))\n"
            f"reassess_stage = '{stage}'")


def henvisning():
    """Referral, guarantee timers, visitation, phase-in gating and enrolment."""
    init = ("group = 2 if ('psykiatri' in contacts and 'kommune' in contacts) "
            "else (3 if 'kommune' in contacts else 1)\n"
            "notifications = []\nreassess_weeks = 8\nreassess_at = None\nreassess_stage = None\n"
            "admission_reason = admission_reason if 'akut' in contacts else ''\n"
            "municipal_part = 'kommune' in contacts\nsuicide_risk_level = None\n"
            "inpatient_phase = None\n"
            "guarantee_breached = False\nguarantee_warning = False\nwaiting_until = None\n"
            "guarantee_due = None")
    check = ("guarantee_warning = guarantee_warning or date_of(now()) >= date_of(add_days(guarantee_due, -3))\n"
             "guarantee_breached = guarantee_breached or date_of(now()) > date_of(guarantee_due)")
    guarantee = ("guarantee_from = iso(max(date_of(received_at), date_of(phase_in_date)))\n"
                 "guarantee_due = iso(add_days(date_of(guarantee_from), 14))")
    p = "psykiatri"
    acute = ("admitted_from = 'akut'\nreturn_stage = 'opstart'\nadmitted_at = now()\n"
             "tovholder_org = region_org\nnext_stage = 'indlagt'")
    nodes = [
        node("henv_start", "start", "Henvisning modtaget", p, 0),
        node("henv_group", "script", "Bestem patientgruppe", p, 1, script=init),
        node("henv_acute_q", "xor", "Akut henvendelse?", p, 2, 4),
        node("henv_acute", "script", "Start i indlæggelse", p, 3, 4, script=acute),
        node("henv_end_acute", "terminate", "Til indlæggelse", p, 4, 4),
        node("henv_phase_in", "rule", "Find indfasningsdato", p, 2, decision="phase_in"),
        node("henv_guarantee", "script", "Beregn behandlingsgaranti", p, 3, script=guarantee),
        node("henv_split", "and", "", p, 4),
        node("visitation", "user", "Visitation", p, 5,
             props={"form": "visitation", "due": "guarantee_due"}),
        node("henv_check", "script", "Kontrollér garantien", p, 6, script=check),
        node("henv_included", "xor", "Inkluderet?", p, 7),
        node("henv_open", "xor", "Gruppen indfaset i regionen?", p, 8),
        node("henv_wait_set", "script", "Registrér venteperiode", p, 9, 1,
             script="waiting_until = phase_in_date"),
        node("henv_wait", "timer", "Venter på indfasning", p, 10, 1, timer="phase_in_date"),
        node("henv_wait_clear", "script", "Afslut venteperiode", p, 11, 1, script="waiting_until = None"),
        node("henv_join", "xor", "", p, 12),
        node("indskrivning", "user", "Indskrivning og tovholder", p, 13,
             props={"form": "indskrivning", "due": "guarantee_due"}),
        node("henv_to_opstart", "script", "Start Opstart", p, 14,
             script=("enrolled_at = now()\n"  # the guarantee is judged at treatment start
                     "next_stage = 'opstart'")),
        node("henv_end", "terminate", "Indskrevet", p, 15),
        node("henv_exclude", "script", "Afslut og returnér til henviser", p, 8, 2,
             script=("returned_to_referrer = referrer if visitation_decision == 'afvist' else None\n"
                     "forwarded_to = forward_to if visitation_decision == 'videresendt' else None\n"
                     "end_reason = ('Videresendt til ' + forward_to) if visitation_decision == "
                     "'videresendt' else 'Afvist ved visitation'\nnext_stage = ''")),
        node("henv_end_excluded", "terminate", "Afvist", p, 9, 2),
        node("henv_warn_timer", "timer", "Garantien udløber om 3 dage", p, 5, 3,
             timer="iso(add_days(date_of(guarantee_due), -3))"),
        node("henv_warn", "script", "Markér varsel", p, 6, 3, script="guarantee_warning = True"),
        node("henv_breach_timer", "timer", "Garantifristen overskredet", p, 7, 3,
             timer="iso(add_days(date_of(guarantee_due), 1))"),
        node("henv_breach", "script", "Markér garantibrud", p, 8, 3, script="guarantee_breached = True"),
        node("henv_guarantee_end", "end", "Brud registreret", p, 9, 3),
    ]
    flows = [
        flow("henv_start", "henv_group"), flow("henv_group", "henv_acute_q"),
        flow("henv_acute_q", "henv_acute", "'akut' in contacts", "akut"),
        flow("henv_acute_q", "henv_phase_in", name="henvisning", default=True),
        flow("henv_acute", "henv_end_acute"),
        flow("henv_phase_in", "henv_guarantee"), flow("henv_guarantee", "henv_split"),
        flow("henv_split", "visitation"), flow("henv_split", "henv_warn_timer"),
        flow("visitation", "henv_check"), flow("henv_check", "henv_included"),
        flow("henv_included", "henv_exclude", "visitation_decision in ('afvist', 'videresendt')",
             "afvist/videresendt"),
        flow("henv_included", "henv_open", name="inkluderet", default=True),
        flow("henv_open", "henv_wait_set", "phase_in_date > iso(today())", "ikke endnu"),
        flow("henv_open", "henv_join", name="indfaset", default=True),
        flow("henv_wait_set", "henv_wait"), flow("henv_wait", "henv_wait_clear"),
        flow("henv_wait_clear", "henv_join"), flow("henv_join", "indskrivning"),
        flow("indskrivning", "henv_to_opstart"), flow("henv_to_opstart", "henv_end"),
        flow("henv_exclude", "henv_end_excluded"),
        flow("henv_warn_timer", "henv_warn"), flow("henv_warn", "henv_breach_timer"),
        flow("henv_breach_timer", "henv_breach"), flow("henv_breach", "henv_guarantee_end"),
    ]
    return {"id": "henvisning", "name": "Henvisning og visitation", "nodes": nodes, "flows": flows,
            "doc": "Referral, 14-day guarantee, visitation, phase-in gating and enrolment."}


def opstart():
    """Opstart: screening tools and coordination in parallel, then the decision Ustabil or Stabil."""
    s, t = "opstart", "tovholder"
    tools = [("opstart_audit", "AUDIT (alkohol)", "audit", "psykiatri", 0),
             ("opstart_dudit", "DUDIT (stoffer)", "dudit", "psykiatri", 1),
             ("opstart_suicide", "Vurdering af selvmordsrisiko", "selvmordsrisiko", "psykiatri", 2),
             ("opstart_medicine", "Medicingennemgang", "medicingennemgang", "psykiatri", 3),
             ("opstart_plan", "Koordineret plan", "koordineret_plan", "kommune", 0),
             ("opstart_harm", "Skadesreduktion", "skadesreduktion", "kommune", 1)]
    due = "iso(add_days(date_of(stage_entered_at), 28))"
    nodes = [node("opstart_start", "start", "Opstart", t, 0),
             node("opstart_split", "and", "", t, 1),
             node("opstart_tools", "and", "", t, 2),
             node("opstart_join", "and", "", t, 6),
             node("opstart_assess", "user", "Opstartsvurdering", t, 7,
                  props={"form": "opstart_vurdering", "due": due}),
             node("opstart_next", "script", "Vælg næste fase", t, 8, script="next_stage = phase_decision"),
             node("opstart_end", "terminate", "Videre", t, 9)]
    flows = [flow("opstart_start", "opstart_split"), flow("opstart_split", "opstart_tools"),
             flow("opstart_join", "opstart_assess"), flow("opstart_assess", "opstart_next"),
             flow("opstart_next", "opstart_end"), flow("opstart_split", f"{s}_msg_indlagt")]
    k = "kommune"
    # a group-1 patient whose municipality takes no part gets no municipal tasks
    nodes += [node("opstart_kq", "xor", "Kommunen deltager?", k, 2, 0),
              node("opstart_ksplit", "and", "", k, 2, 1),
              node("opstart_kjoin", "and", "", k, 4, 1),
              node("opstart_kmerge", "xor", "", k, 4, 0)]
    flows += [flow("opstart_tools", "opstart_kq"),
              flow("opstart_kq", "opstart_ksplit", "municipal_part", "ja"),
              flow("opstart_kq", "opstart_kmerge", name="nej", default=True),
              flow("opstart_kjoin", "opstart_kmerge"), flow("opstart_kmerge", "opstart_join")]
    for tid, name, form, lane, row in tools:
        # any of the Opstart tools is the first treatment contact (docs/pathway.md)
        nodes.append(node(tid, "user", name, lane, 3, row,
                          props={"form": form, "due": due, "treatment_contact": "true"}))
        if lane == k:
            flows += [flow("opstart_ksplit", tid), flow(tid, "opstart_kjoin")]
        elif tid == "opstart_suicide":
            risk_nodes, risk_flows = _acute_suicide("opstart", "psykiatri", tid, "opstart_join",
                                                    (4, 2), (5, 4), (5, 2))
            nodes += risk_nodes
            flows += [flow("opstart_tools", tid)] + risk_flows
        else:
            flows += [flow("opstart_tools", tid), flow(tid, "opstart_join")]
    # a save the day after the deadline, so a guarantee with no treatment yet shows as breached
    nodes += [node("opstart_guarantee_timer", "timer", "Garantifrist for behandlingsstart", t, 1, 3,
                   timer="iso(add_days(date_of(guarantee_due or today()), 1))"),
              node("opstart_guarantee_end", "end", "Garanti vurderet", t, 2, 3)]
    flows += [flow("opstart_split", "opstart_guarantee_timer"),
              flow("opstart_guarantee_timer", "opstart_guarantee_end")]
    adm_nodes, adm_flows = _admission(s, 2, t, 1)
    return {"id": s, "name": "Opstart", "nodes": nodes + adm_nodes, "flows": flows + adm_flows,
            "doc": "Outpatient phase 1: Opstart."}


def cycling(stage, name):
    """Ustabil or Stabil: one cycle offers activities, assessment, timed reassessment and admission."""
    t = "tovholder"
    decide = ("next_stage = phase_decision\n"
              "reassess_at = iso(add_weeks(today(), reassess_weeks)) "
              f"if phase_decision == '{stage}' else reassess_at")
    nodes = [
        node(f"{stage}_start", "start", name, t, 0),
        node(f"{stage}_entry", "script", "Beregn revurderingsdato", t, 1, script=_entry_script(stage)),
        node(f"{stage}_split", "and", "", t, 2),
        node(f"{stage}_activity", "user", "Registrér aktivitet", "psykiatri", 3,
             props={"form": f"{stage}_aktivitet"}),
        node(f"{stage}_kq", "xor", "Kommunen deltager?", "kommune", 2),
        node(f"{stage}_municipal", "user", "Registrér kommunal indsats", "kommune", 3,
             props={"form": f"{stage}_aktivitet"}),
        node(f"{stage}_k_none", "end", "Ingen kommunal indsats", "kommune", 3, 1),
        node(f"{stage}_act_join", "xor", "", "psykiatri", 4),
        node(f"{stage}_repeat", "script", f"Fortsæt i {name}", "psykiatri", 5,
             script=f"next_stage = '{stage}'"),
        node(f"{stage}_end_repeat", "terminate", "Ny cyklus", "psykiatri", 6),
        node(f"{stage}_assess", "user", "Fasevurdering", t, 4,
             props={"form": f"{stage}_vurdering"}),  # on demand; the timer brings the dated one
        node(f"{stage}_timer", "timer", "Revurdering forfalden", t, 3, 1, timer="reassess_at"),
        node(f"{stage}_reassess", "user", "Revurdering", t, 4, 1,
             props={"form": f"{stage}_vurdering", "due": "iso(add_days(date_of(reassess_at), 14))"}),
        node(f"{stage}_dec_join", "xor", "", t, 5),
        node(f"{stage}_decide", "script", "Sæt næste fase", t, 6, script=decide),
        node(f"{stage}_end_decide", "terminate", "Fase besluttet", t, 7),
    ]
    flows = [flow(f"{stage}_start", f"{stage}_entry"), flow(f"{stage}_entry", f"{stage}_split"),
             flow(f"{stage}_split", f"{stage}_activity"), flow(f"{stage}_split", f"{stage}_kq"),
             flow(f"{stage}_kq", f"{stage}_municipal", "municipal_part", "ja"),
             flow(f"{stage}_kq", f"{stage}_k_none", name="nej", default=True),
             flow(f"{stage}_split", f"{stage}_assess"), flow(f"{stage}_split", f"{stage}_timer"),
             flow(f"{stage}_split", f"{stage}_msg_indlagt"),
             flow(f"{stage}_activity", f"{stage}_act_join"), flow(f"{stage}_municipal", f"{stage}_act_join"),
             flow(f"{stage}_act_join", f"{stage}_repeat"), flow(f"{stage}_repeat", f"{stage}_end_repeat"),
             flow(f"{stage}_timer", f"{stage}_reassess"),
             flow(f"{stage}_assess", f"{stage}_dec_join"), flow(f"{stage}_reassess", f"{stage}_dec_join"),
             flow(f"{stage}_dec_join", f"{stage}_decide"), flow(f"{stage}_decide", f"{stage}_end_decide")]
    adm_nodes, adm_flows = _admission(stage, 3, t, 2)
    return {"id": stage, "name": name, "nodes": nodes + adm_nodes, "flows": flows + adm_flows,
            "doc": f"Outpatient phase: {name}."}


# the handover notice reads these; the handover and plan tasks fill them in
HANDOVER_DEFAULTS = ("\nhandover_date = None\nhandover_checklist = []\nplan_items = []\n"
                     "plan_review_date = None")


def overgang():
    """Overgang/afslutning: assessment, then handover to the primary sector or coordinated treatment."""
    t = "tovholder"
    end = ("end_reason = 'Overdraget til koordineret behandling' if handover_to == 'koordineret_behandling' "
           "else 'Overdraget til primær sektor'\nended_at = now()\nnext_stage = ''\n"
           + _notify("handover", "handover_to", ", 'handover_date': handover_date, "
                     "'checklist': handover_checklist, 'plan_items': plan_items, "
                     "'plan_review_date': plan_review_date"))
    nodes = [
        node("overgang_start", "start", "Overgang/afslutning", t, 0),
        node("overgang_entry", "script", "Beregn revurderingsdato", t, 1,
             script=_entry_script("overgang") + HANDOVER_DEFAULTS),
        node("overgang_split", "and", "", t, 2),
        node("overgang_assess", "user", "Overgangsvurdering", t, 3,
             props={"form": "overgang_vurdering", "due": "reassess_at"}),
        node("overgang_choice", "xor", "Gennemføre overgang?", t, 4),
        node("overgang_back", "script", "Tilbage i behandling", t, 5, 1, script="next_stage = phase_decision"),
        node("overgang_end_back", "terminate", "Tilbage", t, 6, 1),
        node("overgang_hsplit", "and", "", t, 5),
        node("overgang_handover", "user", "Overdragelse og epikrise", "psykiatri", 6,
             props={"form": "overdragelse", "due": "iso(add_days(today(), 14))"}),
        node("overgang_kq", "xor", "Kommunen deltager?", "kommune", 5),
        node("overgang_plan", "user", "Koordineret plan ved afslutning", "kommune", 6,
             props={"form": "koordineret_plan", "due": "iso(add_days(today(), 14))"}),
        node("overgang_kskip", "script", "Ingen kommunal plan", "kommune", 6, 1,
             script="plan_items = []\nplan_review_date = None"),
        node("overgang_kmerge", "xor", "", "kommune", 7),
        node("overgang_hjoin", "and", "", t, 7),
        node("overgang_close", "script", "Afslut forløbet", t, 8, script=end),
        node("overgang_end", "terminate", "Forløb afsluttet", t, 9),
    ]
    flows = [flow("overgang_start", "overgang_entry"), flow("overgang_entry", "overgang_split"),
             flow("overgang_split", "overgang_assess"), flow("overgang_split", "overgang_msg_indlagt"),
             flow("overgang_assess", "overgang_choice"),
             flow("overgang_choice", "overgang_back", "phase_decision in ('ustabil', 'stabil')", "tilbage"),
             flow("overgang_choice", "overgang_hsplit", name="overgang", default=True),
             flow("overgang_back", "overgang_end_back"),
             flow("overgang_hsplit", "overgang_handover"), flow("overgang_hsplit", "overgang_kq"),
             flow("overgang_kq", "overgang_plan", "municipal_part", "ja"),
             flow("overgang_kq", "overgang_kskip", name="nej", default=True),
             flow("overgang_plan", "overgang_kmerge"), flow("overgang_kskip", "overgang_kmerge"),
             flow("overgang_handover", "overgang_hjoin"), flow("overgang_kmerge", "overgang_hjoin"),
             flow("overgang_hjoin", "overgang_close"), flow("overgang_close", "overgang_end")]
    adm_nodes, adm_flows = _admission("overgang", 3, t, 2)
    return {"id": "overgang", "name": "Overgang/afslutning", "nodes": nodes + adm_nodes,
            "flows": flows + adm_flows, "doc": "Outpatient phase 4: Overgang/afslutning."}


STAGES = {
    "henvisning": henvisning,
    "opstart": opstart,
    "ustabil": lambda: cycling("ustabil", "Ustabil"),
    "stabil": lambda: cycling("stabil", "Stabil"),
    "overgang": overgang,
    "indlagt": indlagt,
}


def write_all(directory=Path(__file__).parent):
    """Write every stage to ``<directory>/<stage>.bpmn``."""
    for stage_id, build in STAGES.items():
        (Path(directory) / f"{stage_id}.bpmn").write_text(render(build()), encoding="utf-8")


if __name__ == "__main__":
    write_all()
