"""Migrating running pathways to another definition version: dry run and one pathway at a time.

Each pathway's dry run and migration runs inside one sandbox click (isolation.click): all the
target's code evaluated for that pathway shares the click budget, so a slow proposal fails
that pathway, naming the element, instead of holding the worker (and its timers) for minutes.

A pathway moves atomically (the caller commits): load under the optimistic lock, move the
current run (engine/migration/run.py), step, save with the worklist projection, timers and
awaited messages, carry drafts and kept rows over (engine/migration/kept.py), history row and
audit entry.
"""
import json
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import undefer

from engine import audit, clock
from engine.definitions.review import require_approved
from engine.definitions.versions import bundle_of, get_version
from engine.errors import SandboxViolation
from engine.migration import kept
from engine.migration.run import NotMigratable, migrate_run
from engine.migration.spec_changes import ChangeCache
from engine.models import Pathway, TaskDraft, WorklistItem
from engine.runtime import pathways, projection, spiff
from engine.runtime.drafts import FormKeys
from engine.sandbox import isolation


@dataclass
class Verdict:
    """The dry-run answer for one pathway."""

    pathway_id: int
    from_version: int
    stage: str
    open_tasks: tuple
    migratable: bool
    reason: str = ""
    actions: list = field(default_factory=list)
    drafts: int = 0
    # the same by task titles, for the owner: {"kept", "removed", "created": [titles],
    # "timers": [titles], "aside": [[title, [field keys]]]}; drafts by what happens to them
    plan: dict = field(default_factory=dict)
    open_titles: tuple = ()
    drafts_follow: int = 0      # drafts of kept tasks: they stay with the task
    drafts_history: int = 0     # drafts of removed tasks: kept, closed, on the patient page


class Context:
    """Caches (bundles, spec diffs, form keys, run shapes) for migrating to one target version."""

    def __init__(self, session, version_id):
        self.session = session
        # four eyes: dry runs, jobs and single moves all build a Context for their target
        self.version_id = require_approved(get_version(session, version_id), "a migration").id
        self.bundle = bundle_of(session, self.version_id)
        self.changes = ChangeCache()
        self.forms = FormKeys(session)
        self._bundles = {}
        self._shapes = {}

    def bundle_of(self, version_id):
        """The parsed bundle of a version (cached for this context)."""
        if version_id not in self._bundles:
            self._bundles[version_id] = bundle_of(self.session, version_id)
        return self._bundles[version_id]

    def move(self, workflow, version_id, stage):
        """Move a run of `stage` on `version_id` onto the target; a RunChange or NotMigratable."""
        if stage not in self.bundle.processes:
            raise NotMigratable(f"stage '{stage}' does not exist in version {self.version_id}")
        old = self.bundle_of(version_id)
        changes = self.changes.get(old, self.bundle, stage)
        return migrate_run(workflow, changes, self.bundle.process(stage), self.version_id)


def _shape(pathway):
    """(version, stage, sorted task specs and states): runs of one shape migrate alike."""
    tasks = json.loads(pathway.state).get("tasks", {})
    return (pathway.version_id, pathway.stage,
            tuple(sorted((t["task_spec"], t["state"]) for t in tasks.values())))


def _describe(ctx, change, workflow, from_version):
    """Readable lines: open tasks kept, removed, created; timers restarted; form fields gone."""
    def names(specs):
        return ", ".join(sorted(specs)) or "-"
    actions = [f"kept: {names(v[1] for v in change.kept.values())}"]
    if change.removed:
        actions.append(f"removed: {names(change.removed.values())} (drafts stay visible on the "
                       f"patient page, or follow a task of the same element)")
    if change.created:
        actions.append(f"created: {names(change.created.values())}")
    if change.timers_restarted:
        actions.append(f"timers restarted: {', '.join(change.timers_restarted)}")
    tasks = {str(t.id): t for t in spiff.ready_user_tasks(workflow)}
    for task_id, (_old, new) in sorted(change.kept.items(), key=lambda kv: kv[1][1]):
        old_form = change.old_forms.get(task_id)
        new_form = projection.task_properties(tasks[task_id]).get("form")
        old_keys = ctx.forms.get(from_version, old_form)
        new_keys = ctx.forms.get(ctx.version_id, new_form)
        if old_keys is not None and new_keys is not None and old_keys - new_keys:
            actions.append(f"{new}: draft values of {', '.join(sorted(old_keys - new_keys))} "
                           f"are kept aside and shown (form {old_form} → {new_form})")
    return actions


def _title(bundle, stage, spec_name):
    """A task's title (its BPMN name) in a bundle's stage, else its id."""
    try:
        spec = bundle.process(stage).spec.task_specs.get(spec_name)
    except (KeyError, AttributeError):
        spec = None
    return (getattr(spec, "bpmn_name", None) or spec_name) if spec is not None else spec_name


def _plan(ctx, change, workflow, from_version, stage):
    """What the migration does, by task titles (old titles for removed tasks, new for the rest)."""
    old, new = ctx.bundle_of(from_version), ctx.bundle
    tasks = {str(t.id): t for t in spiff.ready_user_tasks(workflow)}
    aside = []
    for task_id, (_old_spec, new_spec) in sorted(change.kept.items(), key=lambda kv: kv[1][1]):
        old_form = change.old_forms.get(task_id)
        new_form = projection.task_properties(tasks[task_id]).get("form")
        old_keys, new_keys = ctx.forms.get(from_version, old_form), ctx.forms.get(ctx.version_id, new_form)
        if old_keys is not None and new_keys is not None and old_keys - new_keys:
            aside.append([_title(new, stage, new_spec), sorted(old_keys - new_keys)])
    return {"kept": sorted(_title(new, stage, n) for _o, n in change.kept.values()),
            "removed": sorted(_title(old, stage, n) for n in change.removed.values()),
            "created": sorted(_title(new, stage, n) for n in change.created.values()),
            "timers": sorted(_title(new, stage, n) for n in change.timers_restarted),
            "aside": aside, "removed_specs": sorted(change.removed.values()),
            "created_specs": sorted(change.created.values()),
            # waiting dates a decision table gave: they follow the target's table
            "redecided": sorted({r["timer"] for r in change.redecided}),
            # values scripts computed from a changed date (the guarantee deadline): they follow
            "followed": sorted({f["by"] for r in change.redecided for f in r.get("follows") or []})}


def verdict(ctx, pathway, open_tasks=None):
    """Dry run for one pathway row (state loaded): nothing is written, the row is untouched."""
    if open_tasks is None:
        open_tasks = ctx.session.scalars(select(WorklistItem.task_spec).where(
            WorklistItem.pathway_id == pathway.id, WorklistItem.kind == "task")).all()
    open_tasks = tuple(sorted(open_tasks))
    base = dict(pathway_id=pathway.id, from_version=pathway.version_id, stage=pathway.stage,
                open_tasks=open_tasks)
    if not pathway.state:
        return Verdict(migratable=False, reason="the pathway has no live state", **base)
    key = _shape(pathway)
    if key not in ctx._shapes:
        try:
            process = ctx.bundle_of(pathway.version_id).process(pathway.stage)
            with clock.frozen_at(clock.utcnow()), isolation.click():
                workflow = spiff.step(lambda: spiff.load(process, pathway.state))
                change = ctx.move(workflow, pathway.version_id, pathway.stage)
            ctx._shapes[key] = (True, "", _describe(ctx, change, workflow, pathway.version_id),
                                _plan(ctx, change, workflow, pathway.version_id, pathway.stage))
        except NotMigratable as exc:
            ctx._shapes[key] = (False, str(exc), [], {})
        except SandboxViolation as exc:  # the target's code broke its budget or a rule
            ctx._shapes[key] = (False, f"the target version's code failed: {exc}", [], {})
    ok, reason, actions, plan = ctx._shapes[key]
    return Verdict(migratable=ok, reason=reason, actions=list(actions), plan=plan, **base)


def candidate_rows(session, version_id, from_version=None, pathway_ids=None, limit=None):
    """(id, version id) of active pathways on other versions than `version_id`, oldest first;
    `from_version` is one version id or a list of them."""
    query = select(Pathway.id, Pathway.version_id).where(
        Pathway.status == "active", Pathway.version_id != version_id).order_by(Pathway.id)
    if isinstance(from_version, (list, tuple, set)):
        query = query.where(Pathway.version_id.in_(list(from_version)))
    elif from_version is not None:
        query = query.where(Pathway.version_id == from_version)
    if pathway_ids is not None:
        query = query.where(Pathway.id.in_(list(pathway_ids)))
    if limit:
        query = query.limit(limit)
    return [tuple(row) for row in session.execute(query)]


def candidates(session, version_id, from_version=None, pathway_ids=None, limit=None):
    """Ids of active pathways on other versions than `version_id`, oldest first."""
    return [pid for pid, _ in candidate_rows(session, version_id, from_version, pathway_ids,
                                             limit)]


@isolation.owner_work
def dry_run(session, version_id, from_version=None, pathway_ids=None, limit=None,
            progress=None, chunk=500):
    """A Verdict for every candidate pathway (nothing is written).

    `progress(done, total)` is called before the first and after each chunk of pathways (a
    background job shows "n af m forløb").
    """
    ctx = Context(session, version_id)
    ids = candidates(session, version_id, from_version, pathway_ids, limit)
    result: list = []
    if progress:
        progress(0, len(ids))
    for start in range(0, len(ids), chunk):
        rows = session.scalars(select(Pathway).options(undefer(Pathway.state))
                               .where(Pathway.id.in_(ids[start:start + chunk]))
                               .order_by(Pathway.id)).all()
        tasks: dict[int, list[str]] = {}  # pathway id -> task specs of its open user tasks
        titles: dict[int, list[str]] = {}
        spec_of: dict[tuple[int, str], str] = {}  # (pathway id, task id) -> task spec
        for pid, task_id, spec, title in session.execute(
                select(WorklistItem.pathway_id, WorklistItem.task_id, WorklistItem.task_spec,
                       WorklistItem.title).where(WorklistItem.pathway_id.in_(ids[start:start + chunk]),
                                                 WorklistItem.kind == "task")):
            tasks.setdefault(pid, []).append(spec)
            titles.setdefault(pid, []).append(title or spec)
            spec_of[(pid, task_id)] = spec
        drafts: dict[int, list[str]] = {}  # pathway id -> task specs its drafts belong to
        for pid, task_id in session.execute(select(TaskDraft.pathway_id, TaskDraft.task_id).where(
                TaskDraft.pathway_id.in_(ids[start:start + chunk]))):
            drafts.setdefault(pid, []).append(spec_of.get((pid, task_id), ""))
        for row in rows:
            result.append(verdict(ctx, row, tasks.get(row.id, [])))
            plan = result[-1].plan
            # a draft of a removed task moves to a task of the same element created anew
            removed = set(plan.get("removed_specs", ())) - set(plan.get("created_specs", ()))
            mine = drafts.get(row.id, [])
            result[-1].drafts = len(mine)
            result[-1].drafts_history = sum(1 for spec in mine if spec in removed)
            result[-1].drafts_follow = len(mine) - result[-1].drafts_history
            result[-1].open_titles = tuple(sorted(titles.get(row.id, [])))
        for row in rows:
            session.expire(row, ["state"])  # keep memory flat on large dry runs
        if progress:
            progress(len(result), len(ids))
    return result


def grouped(verdicts):
    """Verdicts grouped by (version, stage, open tasks, migratable, reason): dicts with counts."""
    groups: OrderedDict[tuple[int, str, tuple, bool, str], dict[str, Any]] = OrderedDict()
    for v in sorted(verdicts, key=lambda v: (v.from_version, v.stage or "", v.open_tasks,
                                              not v.migratable, v.reason)):
        key = (v.from_version, v.stage, v.open_tasks, v.migratable, v.reason)
        group = groups.setdefault(key, dict(
            from_version=v.from_version, stage=v.stage, open_tasks=list(v.open_tasks),
            migratable=v.migratable, reason=v.reason, actions=v.actions, pathway_ids=[],
            drafts=0, plan=v.plan, open_titles=list(v.open_titles), drafts_follow=0, drafts_history=0))
        group["pathway_ids"].append(v.pathway_id)
        group["drafts"] += v.drafts
        group["drafts_follow"] += v.drafts_follow
        group["drafts_history"] += v.drafts_history
    return list(groups.values())


@isolation.owner_work
def migrate(session, pathway_id, version_id, actor, now=None, ctx=None, source=""):
    """Move one pathway's current run to `version_id`, keeping its progress; return the Pathway.

    Raises NotMigratable (nothing changed) or Conflict (someone else changed the pathway
    first; the session was rolled back).
    """
    now = clock.as_utc(now) if now is not None else clock.utcnow()
    ctx = ctx or Context(session, version_id)
    with clock.frozen_at(now), isolation.click():  # one budget for the whole move (see above)
        live = pathways.load(session, pathway_id)
        pathway, old = live.pathway, live.pathway.version_id
        if old == ctx.version_id:
            raise NotMigratable(f"pathway {pathway_id} already runs on version {old}")
        drafts = session.scalars(select(TaskDraft).where(TaskDraft.pathway_id == pathway_id)).all()
        change = ctx.move(live.workflow, old, pathway.stage)
        pathway.version_id = ctx.version_id
        live.bundle = ctx.bundle
        pathway.last_error = None
        with session.no_autoflush:  # one UPDATE of the pathway, in save, under the lock
            aside = kept.carry_drafts(ctx, live, change, old, drafts)
        live.record("migration", actor, now, title=f"Version {old} → {ctx.version_id}",
                    data={"from": old, "to": ctx.version_id, "kept": sorted(change.kept),
                          "removed": change.removed, "created": change.created,
                          "timers_restarted": change.timers_restarted,
                          "draft_values_set_aside": aside,
                          "redecided": [r for r in change.redecided if r["new"] != r["old"]]})
        pathways.settle(session, live, now, actor)
        pathways.save(session, live, now)
        kept.refresh_rows(session, live, change)
    audit.record(session, actor, "pathway.migrate", patient_id=pathway.patient_id,
                 pathway_id=pathway_id, source=source,
                 detail=f"version {old} -> {ctx.version_id}; kept {len(change.kept)}, removed "
                        f"{len(change.removed)}, created {len(change.created)} open task(s)")
    session.flush()
    return pathway
