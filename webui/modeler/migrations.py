"""Process owners: dry-run and migrate running pathways to a version, follow and steer the job.

The migration itself runs in the background worker (`flask engine worker`); these pages only
plan it, create the job, show its progress and pause, resume or cancel it.
"""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from engine import modeling, service
from engine.errors import EngineError, NotApproved, NotFound
from engine.modeling import MigrationJob, VersionMigrationPolicy
from engine.models import DefinitionVersion
from engine.service import latest_version
from webui.access import require_area
from webui.audit import audit
from webui.extensions import db
from webui.modeler import bp, dry_run_jobs
from webui.modeler.dry_run_jobs import group_key

JOB_ACTIONS = ("pause", "resume", "cancel")




def _versions():
    """The versions offered as targets: approved ones only (four eyes, engine/definitions/review.py)."""
    return modeling.approved_versions(db.session)


def _refused(exc):
    """Back to the migrations page with the Danish refusal of an unapproved target."""
    db.session.rollback()
    flash(_("Version %(id)s er ikke godkendt af en anden procesejer og kan ikke være mål for en "
            "migrering.", id=exc.version_id), "error")
    return redirect(url_for("modeler.migrations"))


def _target(value):
    """The target version from a form/query value; the newest when none is given; 404 if unknown."""
    if value in (None, ""):
        return latest_version(db.session)
    try:
        version = db.session.get(DefinitionVersion, int(value))
    except ValueError:
        version = None
    if version is None:
        abort(404)
    return version


def _plan(target):
    """Dry-run groups for `target` (nothing is written)."""
    groups = service.grouped(service.dry_run(db.session, target.id))
    db.session.rollback()
    for group in groups:
        group["key"] = group_key(group)
    return groups


def _inline(target):
    """True when few enough pathways would be dry-run to do it in this request."""
    limit = int(current_app.config.get("MIGRATION_DRY_RUN_INLINE_MAX", dry_run_jobs.INLINE_MAX))
    return dry_run_jobs.candidate_count(db.session, target.id) <= limit


def _background_plan(target, again=False):
    """(groups, job): a finished, fresh dry-run job's groups, else a queued/running job."""
    modeling.require_approved(target, "a migration dry run")  # never dry-run toward a proposal
    job = dry_run_jobs.latest(db.session, target.id)
    if job is not None and job.status == "done" and not again and dry_run_jobs.is_fresh(job):
        return job.groups, job
    if job is None or job.status == "done":
        job = dry_run_jobs.queue(db.session, current_user.username, target.id)
        audit("migration_dry_run_queued", detail=f"job {job.id} to version {target.id}")
        db.session.commit()
    return [], job


@bp.get("/migrations")
@require_area("modeler")
def migrations():
    """The dry run for a target version, grouped by version, stage and open tasks, plus jobs."""
    target = _target(request.args.get("to"))
    dry_job = None
    try:
        if target is None:
            groups = []
        elif _inline(target):
            groups = _plan(target)
        else:  # many pathways: the worker's owner lane dry-runs them, the page shows progress
            groups, dry_job = _background_plan(target, again=request.args.get("again") == "1")
    except NotApproved as exc:
        return _refused(exc)
    jobs = db.session.scalars(select(MigrationJob).order_by(MigrationJob.id.desc())
                              .limit(20)).all()
    policy = db.session.get(VersionMigrationPolicy, target.id) if target else None
    return render_template("modeler/migrations.html", target=target, versions=_versions(),
                           groups=groups, jobs=jobs, policy=policy, dry_job=dry_job,
                           migratable=sum(len(g["pathway_ids"]) for g in groups
                                          if g["migratable"]),
                           blocked=sum(len(g["pathway_ids"]) for g in groups
                                       if not g["migratable"]))


@bp.post("/migrations")
@require_area("modeler")
def start_migration():
    """Start a job for the chosen groups or pathways (or every migratable one)."""
    target = _target(request.form.get("to"))
    if target is None:
        abort(404)
    try:
        if _inline(target):
            planned = _plan(target)
        else:  # the groups the owner saw, from the finished background dry run
            job = dry_run_jobs.latest(db.session, target.id)
            modeling.require_approved(target, "a migration")
            planned = job.groups if job is not None and job.status == "done" else []
        groups = [g for g in planned if g["migratable"]]
    except NotApproved as exc:
        return _refused(exc)
    everything = request.form.get("scope") == "all"
    chosen_groups = set(request.form.getlist("group"))
    chosen_ids = {int(p) for p in request.form.getlist("pathway") if p.isdigit()}
    ids = sorted({pid for g in groups for pid in g["pathway_ids"]
                  if everything or g["key"] in chosen_groups or pid in chosen_ids})
    if not ids:
        flash(_("Vælg mindst ét forløb, der kan migreres."), "error")
        return redirect(url_for("modeler.migrations", to=target.id))
    try:
        job = modeling.create_job(db.session, target.id, current_user.username,
                                  pathway_ids=ids, note=request.form.get("note", "")[:200])
    except NotApproved as exc:
        return _refused(exc)
    db.session.commit()
    flash(_("Migreringen er startet: %(count)s forløb.", count=job.total), "success")
    return redirect(url_for("modeler.migration_job", job_id=job.id))


@bp.get("/migrations/jobs/<int:job_id>")
@require_area("modeler")
def migration_job(job_id):
    """A job's progress (done, failed, left), its failures with reasons, and its controls."""
    try:
        state = modeling.progress(db.session, job_id)
    except NotFound:
        abort(404)
    job = modeling.get_job(db.session, job_id)
    return render_template("modeler/migrations_job.html", job=job, state=state,
                           failures=modeling.failures(db.session, job_id),
                           percent=int(100 * (state["done"] + state["failed"])
                                       / state["total"]) if state["total"] else 100)


@bp.post("/migrations/jobs/<int:job_id>/<action>")
@require_area("modeler")
def migration_job_action(job_id, action):
    """Pause, resume or cancel a job."""
    if action not in JOB_ACTIONS:
        abort(404)
    try:
        modeling.set_state(db.session, job_id, action, current_user.username)
        db.session.commit()
    except NotFound:
        abort(404)
    except EngineError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return redirect(url_for("modeler.migration_job", job_id=job_id))


@bp.post("/migrations/versions/<int:version_id>/auto")
@require_area("modeler")
def auto_migration(version_id):
    """Flag a version as texts/labels/guidance only and migrate every compatible pathway."""
    target = _target(version_id)
    flag = request.form.get("auto_migrate") == "1"
    modeling.set_auto_migrate(db.session, target.id, flag, current_user.username)
    try:
        job = modeling.auto_migrate_if_safe(db.session, target.id, current_user.username) \
            if flag else None
    except NotApproved as exc:
        return _refused(exc)
    db.session.commit()
    if job is not None:
        flash(_("Migreringen er startet: %(count)s forløb.", count=job.total), "success")
        return redirect(url_for("modeler.migration_job", job_id=job.id))
    if flag:
        flash(_("Ingen forløb kunne migreres automatisk: ændringerne er mere end tekster, "
                "eller alle forløb kører allerede på versionen."), "warning")
    return redirect(url_for("modeler.migrations", to=target.id))


def after_deploy(version, auto_migrate):
    """After a proposal or an approval: flag the version when asked; migrate if it is current.

    The deploy has been committed already; a problem here is logged and never undoes it.
    """
    try:
        if auto_migrate:
            modeling.set_auto_migrate(db.session, version.id, True, current_user.username)
        # only a current version is one pathways may move to; a proposal waits for approval
        job = modeling.auto_migrate_if_safe(db.session, version.id, current_user.username) \
            if version.status == "current" else None
        db.session.commit()
        return job
    except EngineError as exc:
        db.session.rollback()
        current_app.logger.warning("automatic migration to version %s not started: %s",
                                   version.id, exc)
        return None

