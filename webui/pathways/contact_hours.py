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
from sqlalchemy import and_, or_, select

from engine import service
from engine.errors import NotFound
from engine.models import TaskRecord as R
from webui.pathways.definitions import version_form

ACTIVITY_FORMS = {"ustabil": "ustabil_aktivitet", "stabil": "stabil_aktivitet"}
CONTACT_FORMS = {"fremmoede": _l("Fremmøde"), "video": _l("Video"), "telefon": _l("Telefon"),
                 "udgaaende": _l("Udgående")}
DECISION = "contact_frame"


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
    number: int  # the stay's place among the pathway's stage changes, 1 first
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


def stays(session, pathway) -> list[Stay]:
    """Planned against used for every stay of the pathway in a phase with frames, newest first.

    A stay is a series of consecutive runs of one stage: registering an activity re-enters
    the stage (a new run), a phase decision moves to another stage (a new stay).
    """
    rows = session.execute(select(R.run_no, R.stage, R.kind, R.data).where(
        R.pathway_id == pathway.id,
        or_(R.kind == "stage", and_(R.form_id.in_(ACTIVITY_FORMS.values()), R.kind == "task")))
        .order_by(R.run_no, R.id)).all()
    groups: list[tuple[str, list]] = []  # (stage, activities) in order
    last_run = None
    for run_no, stage, kind, data in rows:
        if kind == "stage" or run_no != last_run:
            if not groups or groups[-1][0] != stage:
                groups.append((stage, []))
            last_run = run_no
        if kind == "task":
            groups[-1][1].append(data or {})
    result = []
    for index, (stage, activities) in enumerate(groups):
        if stage in ACTIVITY_FORMS:
            ongoing = (index == len(groups) - 1 and pathway.status == "active"
                       and pathway.stage == stage)
            result.append(_stay(session, pathway, index + 1, stage, activities, ongoing))
    return result[::-1]


def _stay(session, pathway, number, stage, activities, ongoing):
    """One stay's rows from its activities and the frames of the pathway's version."""
    stay = Stay(stage=stage, number=number, ongoing=ongoing)
    rows = {}
    margin = 0.0
    for value, label in _options(pathway.version_id, ACTIVITY_FORMS[stage]):
        hours, row_margin = _frame(session, pathway.version_id, stage, value)
        rows[value] = FrameRow(value, label, hours, row_margin)
        margin = max(margin, row_margin)
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
