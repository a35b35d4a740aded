"""The task page: the form with its guidance, save draft, complete, and conflicts."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import bindparam, select

from engine import service
from engine.db import once
from engine.errors import Conflict, TaskClosed, TaskNotReady
from engine.models import Pathway
from engine.models import WorklistItem as W
from forms.validation import FormInvalid, validate
from webui.access import get_visible_task, may_work, require_area
from webui.audit import audit
from webui.common.phases import lane_label, stage_label
from webui.common.templating import fmt_datetime
from webui.common.timeutil import is_overdue
from webui.competencies.models import METHODS
from webui.competencies.records import holders
from webui.extensions import db
from webui.pathways import bp, task_rules
from webui.pathways.conflict import render_conflict
from webui.pathways.definitions import form_definition, version_form
from webui.pathways.formview import build_fields, guide_sections, raw_from_post, shown_elsewhere, unknown_errors
from webui.pathways.previous_values import previous_values, previous_values_of


def _item(pathway, task_id):
    """The open task row of the pathway, or None when it is no longer open."""
    return db.session.scalar(_item_query(), {"pathway_id": pathway.id, "task_id": task_id})


@once
def _item_query():
    return select(W).where(W.pathway_id == bindparam("pathway_id"),
                           W.task_id == bindparam("task_id"), W.kind == "task")


_UNREAD = object()  # _render's draft: not read by the caller yet


def _render(pathway, item, values, errors, status=200, notice=None, draft=_UNREAD):
    """Render the task page with values and errors (`draft`: the task's draft, if the caller
    has read it already)."""
    definition = task_rules.prepare(db.session, item.form_id, pathway,
                                    form_definition(item.form_id, pathway.version_id))
    meta = definition.get("x-forlob") or {}
    referral = task_rules.referral_of(db.session, pathway) if item.form_id == "visitation" \
        else None
    return render_template(
        "pathways/task.html", pathway=pathway, item=item, definition=definition, meta=meta,
        fields=build_fields(definition.get("components"), values, errors,
                            skip_texts=shown_elsewhere(definition)),
        other_errors=unknown_errors(definition, errors), guide=guide_sections(definition),
        editable=may_work(current_user, item), has_errors=bool(errors), notice=notice,
        previous=previous_values(pathway.id, item.task_id) if draft is _UNREAD
        else previous_values_of(draft),
        is_overdue=is_overdue, stage_label=stage_label, lane_label=lane_label,
        referral=referral,
        # claiming a task that needs a competence: who else here has it
        colleagues=[c for c in holders(item.org_code, item.competence)
                    if c.username != current_user.username] if item.competence else [],
        competence_labels=METHODS,
        score=task_rules.running_score(db.session, item.form_id, pathway, definition)), status


def _visible_task(pathway_id, task_id):
    """(pathway, open worklist row or None); 404 when the user may not see the pathway."""
    return get_visible_task(db.session, current_user, pathway_id, task_id)


def _fate(pathway, task_id):
    """A true sentence about what became of a task that is no longer open."""
    done, kept = service.task_fate(db.session, pathway.id, task_id)
    if done is not None and done.actor == current_user.username:
        return _("Du har allerede afsluttet opgaven (%(when)s).", when=fmt_datetime(done.at))
    if done is not None:
        return _("%(who)s afsluttede opgaven %(when)s, før dig.", who=done.actor,
                 when=fmt_datetime(done.at))
    if kept is not None and kept.closed_at is not None:
        return _("Opgaven blev lukket uden at blive afsluttet, fordi forløbet gik videre. "
                 "Den gemte kladde er bevaret på patientsiden.")
    return _("Opgaven blev lukket uden at blive afsluttet, fordi forløbet gik videre (fx begyndte "
             "en ny cyklus). En gemt kladde følger med til den nye opgave af samme slags.")


def _gone(pathway, task_id):
    """The task is no longer open: say what happened to it on the patient page."""
    flash(_fate(pathway, task_id) + " " + _("Her kan du se, hvor patienten er nu."), "warning")
    return redirect(url_for("pathways.patient", patient_id=pathway.patient_id))


def _gone_after_post(pathway, task_id, notice=None):
    """Closed while this user typed: show their entries beside what was saved, lose nothing."""
    page = render_conflict(db.session, pathway, request.form,
                           notice=notice or _fate(pathway, task_id) + " " + _(
                               "Dine indtastninger er ikke gemt i opgaven, men du kan se og "
                               "kopiere dem her."))
    if page is None:
        return _gone(pathway, task_id)
    audit("view_conflict", patient_id=pathway.patient_id, pathway_id=pathway.id,
          detail=request.form.get("task_spec", "")[:100])
    db.session.commit()
    return page


@bp.get("/forloeb/<int:pathway_id>/opgaver/<task_id>")
@require_area("patient")
def task(pathway_id, task_id):
    """Show the task's form, prefilled from a saved draft."""
    pathway, item = _visible_task(pathway_id, task_id)
    if item is None:
        return _gone(pathway, task_id)
    draft = service.get_draft(db.session, pathway.id, task_id)
    audit("view_task", patient_id=pathway.patient_id, pathway_id=pathway.id, detail=item.title)
    notice = _("Der er en gemt kladde fra %(who)s.", who=draft.actor) if draft else None
    # rendered before the commit, which would expire rows a concurrent click may delete
    page = _render(pathway, item, (draft.data if draft else {}) or {}, {}, notice=notice,
                   draft=draft)
    db.session.commit()
    return page


@bp.post("/forloeb/<int:pathway_id>/opgaver/<task_id>")
@require_area("patient")
def task_post(pathway_id, task_id):
    """Save a draft or complete the task (validated on the server)."""
    pathway, item = _visible_task(pathway_id, task_id)
    if item is None:
        return _gone_after_post(pathway, task_id)
    if not may_work(current_user, item):
        abort(403)
    definition = form_definition(item.form_id, pathway.version_id)
    raw = raw_from_post(definition, request.form)
    action = ACTIONS.get(request.form.get("action", "complete"))
    if action is None:
        abort(400)
    return action(pathway, item, raw)


def _save_draft(pathway, item, raw):
    """Keep work in progress without validating it; a task closed meanwhile keeps the text here."""
    ids = (pathway.id, pathway.patient_id, item.title, item.task_id)  # rows may vanish on commit
    try:
        service.save_draft(db.session, pathway.id, item.task_id, raw, current_user.username)
    except TaskClosed:
        db.session.rollback()
        return _closed_during_save(db.session.get(Pathway, ids[0]), ids[3])
    audit("save_draft", patient_id=ids[1], pathway_id=ids[0], detail=ids[2])
    db.session.commit()
    if request.headers.get("X-Autosave") == "1":  # the page's background save wants no page
        return "", 204
    flash(_("Kladden er gemt."), "success")
    return redirect(url_for("pathways.task", pathway_id=ids[0], task_id=ids[3]))


def _closed_during_save(pathway, task_id):
    """The task closed while the draft was saved: say so, and keep the text on the page."""
    message = _("Opgaven blev afsluttet; din tekst er gemt her.")
    if request.headers.get("X-Autosave") == "1":  # the form still holds the text; stop saving
        return message, 409, {"Content-Type": "text/plain; charset=utf-8"}
    return _gone_after_post(pathway, task_id, notice=message + " " + _fate(pathway, task_id))


def _expected_lock():
    """The lock_version the form was rendered with, or 400 when it is missing."""
    try:
        return int(request.form["lock_version"])
    except (KeyError, ValueError):
        abort(400)


def _complete(pathway, item, raw):
    """Validate and complete; the pathway moves on and the patient page shows where to."""
    expected = _expected_lock()
    errors = task_rules.before_validation(db.session, item.form_id, pathway, raw, request.form)
    try:
        cleaned = validate(version_form(pathway.version_id, item.form_id), raw)
    except FormInvalid as exc:
        errors = {**exc.errors, **errors}
    else:
        errors.update(task_rules.after_validation(item.form_id, pathway, cleaned))
    extra, extra_errors = task_rules.extra_values(db.session, item.form_id, pathway, request.form)
    errors.update(extra_errors)
    if errors:
        db.session.rollback()
        return _render(pathway, item, raw, errors, status=422)
    task_rules.strip_access_keys(item.form_id, cleaned)
    cleaned.update(extra)
    ids = (pathway.id, pathway.patient_id, item.title, item.task_id)
    try:
        moved = service.complete_task(db.session, pathway.id, item.task_id, cleaned,
                                      current_user.username, expected_lock=expected)
    except (Conflict, TaskNotReady):
        db.session.rollback()
        return _after_conflict(ids, raw)
    audit("complete_task", patient_id=moved.patient_id, pathway_id=moved.id, detail=ids[2])
    # the answer is composed before the commit: once it succeeds, nothing may turn it into a 500
    message = _("Opgaven “%(title)s” er afsluttet. Patienten er nu i fasen: %(phase)s.",
                title=ids[2], phase=moved.phase or stage_label(moved.stage)) \
        if moved.status == "active" else _("Opgaven “%(title)s” er afsluttet. Forløbet er afsluttet.",
                                           title=ids[2])
    target = url_for("pathways.patient", patient_id=moved.patient_id)
    db.session.commit()
    flash(message, "success")
    return redirect(target)


def _after_conflict(ids, raw):
    """Someone changed the pathway first: keep the user's input when the task is still open."""
    pathway_id, patient_id, title, task_id = ids
    pathway = db.session.get(Pathway, pathway_id)
    item = _item(pathway, task_id)
    if item is None:
        return _gone_after_post(pathway, task_id)
    try:
        service.save_draft(db.session, pathway_id, task_id, raw, current_user.username)
    except TaskClosed:
        db.session.rollback()
        return _gone_after_post(db.session.get(Pathway, pathway_id), task_id)
    audit("save_draft", patient_id=patient_id, pathway_id=pathway_id, detail=title)
    db.session.commit()
    notice = _("Forløbet blev ændret af en anden, mens du arbejdede. Dine indtastninger er gemt "
               "som kladde; kontrollér dem, og afslut igen.")
    return _render(pathway, item, raw, {}, status=409, notice=notice)


# the submit button's value → handler
ACTIONS = {"draft": _save_draft, "complete": _complete}
