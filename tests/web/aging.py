"""Age a real pathway through the facade (Ustabil ⇄ Stabil turns) and post task forms as a browser does."""
from datetime import UTC, datetime, timedelta

from tests.web import pathway_setup as setup
from webui.demo.filler import answers

OPSTART_TOOLS = ("audit", "dudit", "selvmordsrisiko", "medicingennemgang", "koordineret_plan",
                 "skadesreduktion")


def to_ustabil(now=None, **refer):
    """A referred, enrolled patient through Opstart into Ustabil; returns the pathway."""
    pathway = setup.to_opstart(**refer)
    for form_id in OPSTART_TOOLS:
        setup.complete(pathway.id, form_id, now=now)
    return setup.complete(pathway.id, "opstart_vurdering", {"phase_decision": "ustabil"},
                          actor="tovholder.kbh", now=now)


def age(pathway_id, transitions, start=None):
    """Turn the pathway Ustabil → Stabil → Ustabil with one recurring activity per stage visit.

    `transitions` stage changes (half of them each way) plus as many activity registrations.
    """
    now = start or datetime.now(UTC)
    for _turn in range(transitions // 2):
        now += timedelta(minutes=1)
        setup.complete(pathway_id, "ustabil_aktivitet", now=now)
        setup.complete(pathway_id, "ustabil_vurdering", {"phase_decision": "stabil"},
                       actor="tovholder.kbh", now=now)
        setup.complete(pathway_id, "stabil_aktivitet", now=now)
        setup.complete(pathway_id, "stabil_vurdering", {"phase_decision": "ustabil"},
                       actor="tovholder.kbh", now=now)


def form_post(form_id, lock_version, overrides=None):
    """The form fields a browser posts for valid answers (lists repeated, ticks as 'on')."""
    data = {"lock_version": str(lock_version), "action": "complete"}
    for key, value in answers(form_id, overrides).items():
        if isinstance(value, bool):
            if value:
                data[key] = "on"
        elif isinstance(value, list):
            data[key] = [str(v) for v in value]
        else:
            data[key] = str(value)
    return data
