"""Contact hours against frames: per stay in a phase, planned (the DMN frame) against used.

A stay is one run of a stage (Ustabil or Stabil). Its activities are the completed activity
forms of that run; each carries minutes and a contact form. The frames come from the
`contact_frame` decision of the pathway's own definition version (bpmn/contact_frames.dmn),
which process owners edit in the modeler. Use beyond the margin is flagged, never blocked:
over-use per activity and per stay; under-use only for a stay that has ended (an ongoing stay
has not had the chance yet) and only for the stay's total, since a clinician may swap one
activity for another.
"""
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from engine import service
from engine.errors import NotFound
from engine.models import TaskRecord as R
from webui.pathways.definitions import version_form

ACTIVITY_FORMS = {"ustabil": "ustabil_aktivitet", "stabil": "stabil_aktivitet"}
CONTACT_FORMS = {"fremmoede": _l("Fremmøde"), "video": _l("Video"), "telefon": _l("Telefon"),
                 "udgaaende": _l("Udgående")}
DECISION = "contact_frame"
SHOWN_STAYS = 3      # the patient page shows the newest stays only: it must not grow with age
MAX_RUNS = 1000      # stage runs looked at (each registered activity is a run)


@dataclass
class FrameRow:
    """One activity type of a stay: its frame (hours, or None) and the hours used."""

    activity_type: str
    label: str
    frame_hours: float | None
    margin: float
    used_minutes: int = 0
    contacts: int = 0
    flag: str | None = None  # "over" beyond the margin

    @property
    def used_hours(self) -> float:
        """Minutes used, as hours."""
        return self.used_minutes / 60


@dataclass
class Stay:
    """One stay in a phase with its rows, totals and flag."""

    stage: str
    ongoing: bool
    rows: list = field(default_factory=list)
    by_contact_form: dict = field(default_factory=dict)  # contact form → minutes
    flag: str | None = None  # "over" or "under" beyond the margin

    @property
    def planned_hours(self) -> float:
        """The sum of the frames of the stay's activity types."""
        return sum(r.frame_hours or 0 for r in self.rows)

    @property
    def used_hours(self) -> float:
        """All minutes used in the stay, as hours."""
        return sum(r.used_minutes for r in self.rows) / 60


def flag_of(used_hours, frame_hours, margin_percent, allow_under) -> str | None:
    """'over' or 'under' when use lies outside frame ± margin; None within it or without a frame."""
    if not frame_hours:
        return None
    if used_hours > frame_hours * (1 + margin_percent / 100):
        return "over"
    if allow_under and used_hours < frame_hours * (1 - margin_percent / 100):
        return "under"
    return None


def _frame(session, version_id, stage, activity_type):
    """(hours or None, margin percent) from the version's decision (None without one)."""
    try:
        out = service.decide(session, DECISION, {"stage": stage, "activity_type": activity_type},
                             version_id)
    except NotFound:
        return None, 0
    hours = out.get("frame_hours")
    return (float(hours) if hours not in (None, "") else None), float(out.get("margin_percent") or 0)


def _options(version_id, form_id):
    """(value, label) of the form's activity types in that version."""
    field_ = next((f for f in version_form(version_id, form_id).fields
                   if f["key"] == "activity_type"), None)
    return [(o["value"], o["label"]) for o in (field_ or {}).get("values", [])]


def frames(session, version_id) -> dict:
    """{stage: [(activity type, label, hours or None, margin)]} for every phase with frames."""
    return {stage: [(value, label, *_frame(session, version_id, stage, value))
                    for value, label in _options(version_id, form_id)]
            for stage, form_id in ACTIVITY_FORMS.items()}


def stays(session, pathway, limit=SHOWN_STAYS) -> list[Stay]:
    """Planned against used for the newest `limit` stays in a phase with frames, newest first.

    A stay is a series of consecutive runs of one stage: registering an activity re-enters
    the stage (a new run), a phase decision moves to another stage (a new stay). The queries
    are the same, and the rows read bounded, however old the pathway is.
    """
    runs = session.execute(select(R.run_no, R.stage).where(
        R.pathway_id == pathway.id, R.kind == "stage").order_by(R.run_no.desc())
        .limit(MAX_RUNS)).all()
    groups: list[list] = []  # [stage, first run_no, runs], newest first
    for run_no, stage in runs:
        if groups and groups[-1][0] == stage:
            groups[-1][1] = run_no
            groups[-1][2].add(run_no)
        else:
            groups.append([stage, run_no, {run_no}])
    shown = [g for g in groups if g[0] in ACTIVITY_FORMS][:limit]
    if not shown:
        return []
    activities = session.execute(select(R.run_no, R.data).where(
        R.pathway_id == pathway.id, R.form_id.in_(ACTIVITY_FORMS.values()), R.kind == "task",
        R.run_no >= min(g[1] for g in shown))).all()
    table = frames(session, pathway.version_id)
    newest = groups[0]
    result = []
    for group in shown:
        stage, _first, run_nos = group
        ongoing = group is newest and pathway.status == "active" and pathway.stage == stage
        data = [d or {} for run_no, d in activities if run_no in run_nos]
        result.append(_stay(table[stage], stage, data, ongoing))
    return result


def _stay(table, stage, activities, ongoing):
    """One stay's rows from its activities and the frames of its phase."""
    stay = Stay(stage=stage, ongoing=ongoing)
    rows = {value: FrameRow(value, label, hours, margin) for value, label, hours, margin in table}
    margin = max((r.margin for r in rows.values()), default=0.0)
    for data in activities:
        row = rows.get(data.get("activity_type"))
        minutes = data.get("duration_minutes")
        if row is None or not isinstance(minutes, int | float):
            continue  # records from before minutes were asked for carry none
        row.used_minutes += int(minutes)
        row.contacts += 1
        form = data.get("contact_form") or "ukendt"
        stay.by_contact_form[form] = stay.by_contact_form.get(form, 0) + int(minutes)
    for row in rows.values():
        row.flag = flag_of(row.used_hours, row.frame_hours, row.margin, allow_under=False)
    stay.rows = list(rows.values())
    stay.flag = flag_of(stay.used_hours, stay.planned_hours, margin, allow_under=not ongoing)
    return stay
