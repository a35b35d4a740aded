"""Projections written in the same transaction as the pathway: worklist, summary, indexes."""
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import bindparam, delete, literal_column, select, union_all

from engine.clock import LOCAL_TZ, as_utc
from engine.db import once
from engine.definitions.rules import LANES
from engine.errors import SandboxViolation, ScriptError
from engine.models import AwaitedMessage, Notice, PathwayParticipant, WorklistItem
from engine.runtime import spiff
from engine.sandbox.helpers import date_of

WAIT_PREFIX = "Venter"
SUMMARY_KEYS = {  # pathway column -> (data key, converter)
    "region_org": ("region_org", str),
    "municipality_org": ("municipality_org", str),
    "tovholder_org": ("tovholder_org", str),
    "tovholder": ("tovholder", str),
    "group_no": ("group", int),
    "guarantee_due": ("guarantee_due", date_of),
    "guarantee_breached": ("guarantee_breached", bool),
    "waiting_until": ("waiting_until", date_of),
    "guarantee_breach_reason": ("guarantee_breach_reason", lambda v: str(v)[:200]),
    "reassess_at": ("reassess_at", date_of),
    "suicide_risk": ("suicide_risk_level", str),
    "overview_due": ("overview_due", date_of),
    "questionnaire_weeks": ("questionnaire_weeks", int),
}
COMPLEXITY_TIERS = ("lav", "moderat", "hoej")


# Access follows these columns (worklist rows, participants); the referral sets the region and
# municipality at start, and workflow data may never change them. The tovholder's organisation
# may come from the data (enrolment's form, or a script such as the acute admission's) but only
# as one of the referral's two organisations (the tovholder is chosen among them).
REFERRAL_ORGS = ("region_org", "municipality_org")


def _convert(value, converter):
    if value in (None, ""):
        return None
    try:
        return converter(value)
    except (TypeError, ValueError):
        return None


def to_datetime(value):
    """A UTC datetime from a date (midnight, Danish time), datetime or ISO text."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if len(value.strip()) > 10 else \
            date.fromisoformat(value.strip())
    if isinstance(value, datetime):
        return as_utc(value if value.tzinfo else value.replace(tzinfo=LOCAL_TZ))
    return datetime.combine(value, time(0, 0), LOCAL_TZ).astimezone(UTC)


def task_properties(task):
    """The spiffworkflow:properties of a task spec."""
    return (getattr(task.task_spec, "extensions", None) or {}).get("properties", {})


def _flag(value) -> bool:
    """A BPMN property that says yes ("true", "1", "yes")."""
    return str(value or "").lower() in ("true", "1", "yes")


def _due(task):
    expression = task_properties(task).get("due")
    if not expression:
        return None
    try:
        return to_datetime(spiff.SCRIPT_ENGINE.evaluate(task, expression))
    except ScriptError:
        return None  # e.g. a name not in the data yet: shown as "no deadline"
    except SandboxViolation:
        raise
    except Exception:
        return None  # a due date that cannot be computed yet is shown as "no deadline"


def wanted_items(live):
    """{task_id: column dict} for the open user tasks and visible waits of a run."""
    wanted: dict[str, dict[str, Any]] = {}
    if live.pathway.status != "active":
        return wanted
    stage_name = live.process.name
    for task in spiff.ready_user_tasks(live.workflow):
        props = task_properties(task)
        lane = task.task_spec.lane
        role, org_key = LANES.get(lane, (None, None))
        wanted[str(task.id)] = dict(
            task_spec=task.task_spec.bpmn_id, title=task.task_spec.bpmn_name or task.task_spec.name,
            form_id=props.get("form"), kind="task", phase=props.get("phase") or stage_name,
            # the pathway's own columns, never the task's data (a script can write that)
            lane=lane, role=role, org_code=getattr(live.pathway, org_key, None) if org_key else None,
            due=_due(task), urgent=_flag(props.get("urgent")),
            competence=props.get("competence") or None)
    for task, kind, name, due in spiff.waiting_events(live.workflow):
        if kind == "timer" and name.startswith(WAIT_PREFIX):
            org = live.pathway.tovholder_org or live.pathway.region_org
            wanted[str(task.id)] = dict(
                task_spec=task.task_spec.bpmn_id, title=name, form_id=None, kind="wait",
                phase=stage_name, lane="tovholder", role="tovholder", org_code=org,
                due=as_utc(due), urgent=False, competence=None)
    return wanted


def update_summary(live, now):
    """Copy summary columns from the run's data onto the pathway row."""
    pathway, data = live.pathway, live.data
    breached, reason = bool(pathway.guarantee_breached), pathway.guarantee_breach_reason
    for column, (key, converter) in SUMMARY_KEYS.items():
        if key not in data or column in REFERRAL_ORGS:  # set from the referral at start
            continue
        value = _convert(data.get(key), converter)
        if column == "tovholder_org" and value is not None and value not in {
                pathway.region_org, pathway.municipality_org}:
            continue  # a definition's data cannot hand the pathway to another organisation
        setattr(pathway, column, value)
    tier = data.get("complexity_tier")
    if tier in COMPLEXITY_TIERS:  # a re-consultation left blank keeps the tier it had
        pathway.complexity_tier = tier
    pathway.guarantee_breached = bool(pathway.guarantee_breached) or breached
    pathway.guarantee_breach_reason = reason or pathway.guarantee_breach_reason
    judge_guarantee(pathway, now)
    pathway.stage = live.stage
    ready = spiff.ready_user_tasks(live.workflow) if pathway.status == "active" else []
    pathway.phase = (task_properties(ready[0]).get("phase") if ready else None) \
        or live.process.name
    dues = [as_utc(d) for _, kind, _, d in spiff.waiting_events(live.workflow)
            if kind == "timer" and d is not None] if pathway.status == "active" else []
    pathway.next_due_at = min(dues) if dues else None
    pathway.updated_at = now


BREACH_NOT_STARTED = "Behandlingen var ikke startet, da fristen udløb"
BREACH_LATE_START = "Behandlingen startede {day}, efter fristen {due}"
BREACH_ENDED_LATE = "Forløbet sluttede {day} uden behandling, efter fristen {due}"


def _local_day(moment):
    """The Danish calendar day of a stored moment (None stays None)."""
    return None if moment is None else as_utc(moment).astimezone(LOCAL_TZ).date()


def judge_guarantee(pathway, now):
    """Judge the 14-day guarantee and store it as one fact: status, decision day, reason.

    The guarantee is met by the first treatment contact (``treatment_started_at``, docs/pathway.md).
    It is breached when treatment started late, had not started the day after the deadline, or
    the pathway ended (e.g. forwarded) after the deadline without treatment. A pathway ended on
    or before the deadline without treatment (declined, forwarded in time) has no decision:
    ``lapsed``. A patient's own choice stops the clock (L 126): a postponement moves the deadline
    to the date the patient chose; declining treatment before it started and before a breach
    leaves no decision either: ``waived``. A breach is kept for good, with the reason it got
    when it happened.
    """
    due = effective_due(pathway)
    if due is None:
        pathway.guarantee_status = pathway.guarantee_decided_on = None
        return
    started, ended = _local_day(pathway.treatment_started_at), _local_day(pathway.ended_at)
    choice_on = pathway.patient_choice_on if pathway.patient_choice == "declined" else None
    if not (pathway.guarantee_breached and pathway.guarantee_breach_reason):
        # judged from the columns alone: a flag a timer put in the data (at the first deadline,
        # before a postponement or after a treatment in time) does not decide
        pathway.guarantee_breached = False
        if started is not None and (choice_on is None or started <= choice_on):
            if started > due:
                pathway.guarantee_breached = True
                pathway.guarantee_breach_reason = BREACH_LATE_START.format(
                    day=started.isoformat(), due=due.isoformat())
        elif choice_on is not None:
            pass  # the patient declined in time: the clock stopped ("waived" below)
        elif pathway.status == "active" and _local_day(now) > due:
            pathway.guarantee_breached = True
            pathway.guarantee_breach_reason = BREACH_NOT_STARTED
        elif pathway.status != "active" and ended is not None and ended > due:
            pathway.guarantee_breached = True
            pathway.guarantee_breach_reason = BREACH_ENDED_LATE.format(
                day=ended.isoformat(), due=due.isoformat())
    if pathway.guarantee_breached:
        # breached the day after the deadline, whatever showed it (timer, late start, end)
        status, decided = "breached", date.fromordinal(due.toordinal() + 1)
    elif started is not None and (choice_on is None or started <= choice_on):
        status, decided = "met", started
    elif choice_on is not None:
        status, decided = "waived", choice_on
    elif pathway.status != "active":
        status, decided = "lapsed", ended
    else:
        status, decided = "open", None
    pathway.guarantee_status, pathway.guarantee_decided_on = status, decided


def effective_due(pathway):
    """The deadline, moved to the later start date a patient chose (a recorded postponement)."""
    due, until = pathway.guarantee_due, pathway.patient_choice_until
    if due is not None and pathway.patient_choice == "postponed" and until is not None:
        return max(due, until)
    return due


def mark_treatment_contact(pathway, spec, now):
    """Record the first treatment contact: a completed task whose spec says treatment_contact."""
    props = (getattr(spec, "extensions", None) or {}).get("properties", {})
    if pathway.treatment_started_at is None and _flag(props.get("treatment_contact")):
        pathway.treatment_started_at = now


@once
def _reads():
    """(the pathway's worklist rows, its participant organisations and awaited message names
    as one UNION): what `write` compares with, the pathway bound as `pathway_id`."""
    return (select(WorklistItem).where(WorklistItem.pathway_id == bindparam("pathway_id")), union_all(
        select(literal_column("'participant'"), PathwayParticipant.org_code)
        .where(PathwayParticipant.pathway_id == bindparam("pathway_id")),
        select(literal_column("'awaited'"), AwaitedMessage.name)
        .where(AwaitedMessage.pathway_id == bindparam("pathway_id"))))


def write(session, live, now, wanted):
    """Rewrite the worklist rows (from wanted_items), participants and awaited messages;
    return the task ids whose rows were removed."""
    pathway = live.pathway
    wanted = dict(wanted)
    rows_query, links_query = _reads()
    existing = session.scalars(rows_query, {"pathway_id": pathway.id}).all()
    # read before anything changes: no read in between flushes, so the changes below go to the
    # database in one flush with the history rows (save's), not one flush per read
    links = session.execute(links_query, {"pathway_id": pathway.id}).all()
    participants = {value for kind, value in links if kind == "participant"}
    awaited = {value for kind, value in links if kind == "awaited"}
    removed = []
    for row in existing:
        cols = wanted.pop(row.task_id, None)
        if cols is None:
            removed.append(row.task_id)
            session.delete(row)
        else:
            for key in ("phase", "org_code", "role", "lane", "urgent", "competence"):
                setattr(row, key, cols[key])
            row.stage, row.patient_name = pathway.stage, live.patient_name
    for task_id, cols in wanted.items():
        cols = dict(cols)
        session.add(WorklistItem(pathway_id=pathway.id, patient_id=pathway.patient_id,
                                 task_id=task_id, stage=pathway.stage, due_at=cols.pop("due"),
                                 created_at=now, patient_name=live.patient_name, **cols))
    orgs = _write_participants(session, live, participants)
    _write_notices(session, live, orgs, now)
    _write_awaited(session, live, awaited)
    return removed


def _write_participants(session, live, have):
    pathway, data = live.pathway, live.data
    contacts = data.get("contacts")
    orgs = {pathway.tovholder_org}
    if contacts is None or "psykiatri" in contacts:
        orgs.add(pathway.region_org)
    if contacts is None or "kommune" in contacts:
        orgs.add(pathway.municipality_org)
    orgs.update(row.org_code for row in session.new if isinstance(row, WorklistItem))
    # further organisations a person chose at enrolment (the web edge checks them against the
    # organisation table, service.complete_task passes them on); never workflow data, which a
    # definition's script can write (`participating_orgs` in the data widens nothing)
    orgs.update(str(code)[:64] for code in live.granted if code)
    orgs.discard(None)
    for org in sorted(orgs - have):
        session.add(PathwayParticipant(pathway_id=pathway.id, org_code=org))
    return orgs | have


def collect_notices(live, data):
    """Keep the run's notifications (data key ``notifications``) for the inbox, once each."""
    for item in data.get("notifications") or []:
        if isinstance(item, dict) and item.get("to") and item.get("event"):
            key = f"{item['event']}:{item.get('at', '')}:{item['to']}"[:120]
            live.notices.setdefault(key, item)


def _write_notices(session, live, orgs, now):
    """Put new notifications in the addressed organisations' inboxes (participants only)."""
    pathway = live.pathway
    wanted = {k: v for k, v in live.notices.items() if v["to"] in orgs}
    live.notices = {}
    if not wanted:
        return
    have = set(session.scalars(select(Notice.key).where(Notice.pathway_id == pathway.id,
                                                        Notice.key.in_(sorted(wanted)))))
    for key in sorted(set(wanted) - have):
        item = wanted[key]
        session.add(Notice(org_code=item["to"], pathway_id=pathway.id,
                           patient_id=pathway.patient_id, kind=str(item["event"])[:20], key=key,
                           sender_org=item.get("from"), created_at=now,
                           data=spiff.jsonable(item)))


def _write_awaited(session, live, have):
    pathway = live.pathway
    names = set()
    if pathway.status == "active":
        names = {name for _, kind, name, _ in spiff.waiting_events(live.workflow)
                 if kind == "message"}
    if have - names:
        session.execute(delete(AwaitedMessage).where(
            AwaitedMessage.pathway_id == pathway.id, AwaitedMessage.name.in_(have - names)))
    for name in sorted(names - have):
        session.add(AwaitedMessage(pathway_id=pathway.id, name=name,
                                   patient_id=pathway.patient_id))
