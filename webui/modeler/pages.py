"""The modeler's server-rendered pages: versions, one version's history, review, compare, scenarios."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from engine.errors import InvalidDefinition, NotFound, ReviewRefused, ScenarioFailed, StaleBase
from engine.modeling import approve, bundle_of, diff_bundles, propose, reject, rollback, was_approved
from engine.models import DefinitionVersion
from engine.service import current_version
from scenarios.catalogue import describe_step, load_all, task_names
from webui.access import require_area
from webui.audit import audit
from webui.extensions import db
from webui.i18n import localise_problems
from webui.modeler import bp, migrations
from webui.modeler.changes import present
from webui.modeler.review import form_ids, four_eyes, history, run_scenarios, running_counts

ALLOWED_SUFFIXES = (".bpmn", ".dmn", ".json")
STATUS_LABELS = {"proposed": _l("Foreslået"), "current": _l("Aktuel"),
                 "superseded": _l("Afløst"), "rejected": _l("Afvist")}
STATUS_BADGES = {"proposed": "soon", "current": "ok", "superseded": "wait", "rejected": "danger"}
EVENT_LABELS = {"deployed": _l("Udrullet fra repositoriet"), "proposed": _l("Foreslået"),
                "approved": _l("Godkendt og gjort aktuel"), "rejected": _l("Afvist"),
                "made_current": _l("Gjort aktuel"), "rolled_back": _l("Gjort aktuel igen"),
                "superseded": _l("Afløst"), "merged": _l("Flettet ind i en nyere version")}


def _version_or_404(version_id):
    """The definition version, or 404."""
    version = db.session.get(DefinitionVersion, version_id)
    if version is None:
        abort(404)
    return version


def _safe_name(filename: str) -> str:
    """A bare file name: no directories may sneak into the bundle."""
    return filename.replace("\\", "/").rsplit("/", 1)[-1]


def _bundle_name(filename: str) -> str:
    """Where an uploaded file goes in the bundle: forms under forms/, diagrams bare."""
    name = _safe_name(filename)
    return f"forms/{name}" if name.lower().endswith(".json") else name


def _versions_page(problems, scenarios=None, status=200):
    """The versions, newest first, with review state and running pathway counts."""
    versions = db.session.scalars(
        select(DefinitionVersion).order_by(DefinitionVersion.id.desc()).limit(50)).all()
    current = current_version(db.session)
    return render_template("modeler/index.html", versions=versions, counts=running_counts(),
                           problems=problems, scenarios=scenarios or [], current_v=current,
                           labels=STATUS_LABELS, badges=STATUS_BADGES,
                           four_eyes=four_eyes()), status


@bp.get("/")
@require_area("modeler")
def index():
    """List the versions, newest first: status, who proposed/approved, scenarios, pathways."""
    return _versions_page([])


@bp.post("/upload")
@require_area("modeler")
def upload():
    """Propose uploaded BPMN/DMN/form files on top of the current version's bundle."""
    uploads = [f for f in request.files.getlist("files") if f and f.filename]
    problems = []
    if not uploads:
        problems.append((None, None, None, _("Vælg mindst én .bpmn-, .dmn- eller .json-fil.")))
    bad = [f.filename for f in uploads if not f.filename.lower().endswith(ALLOWED_SUFFIXES)]
    if bad:
        problems.append((", ".join(bad), None, None,
                         _("Kun .bpmn-, .dmn- og formular-filer (.json) kan uploades.")))
    base = current_version(db.session)
    if problems or base is None:
        return _versions_page(problems or [(None, None, None, _("Ingen version er udrullet."))],
                              status=422)
    try:
        changed = {_bundle_name(f.filename): f.read().decode("utf-8") for f in uploads}
        version, existed = propose(db.session, base.id, changed, current_user.username,
                                   note=request.form.get("note", "").strip()[:200],
                                   four_eyes=four_eyes(), run_scenarios=run_scenarios)
    except UnicodeDecodeError:
        db.session.rollback()
        return _versions_page([(None, None, None, _("Filerne skal være UTF-8."))], status=422)
    except (InvalidDefinition, StaleBase) as exc:
        db.session.rollback()
        found = localise_problems(getattr(exc, "problems", None) or [(None, None, None, exc.args[0])])
        return _versions_page(found, status=422)
    except ScenarioFailed as exc:
        db.session.rollback()
        return _versions_page([(None, None, None, _("Et scenarie fejlede."))],
                              scenarios=exc.results, status=422)
    return _after_propose(version, existed)


def _after_propose(version, existed):
    """Flash what happened to a proposal and show the version."""
    if existed:
        db.session.rollback()
        flash(_("Indholdet findes allerede som version %(id)s. Intet nyt er udrullet.",
                id=version.id), "info")
    else:
        audit("definition_propose", detail=f"version {version.id}")
        db.session.commit()
        migrations.after_deploy(version, request.values.get("auto_migrate") == "1")
        flash(_("Version %(id)s er nu aktuel.", id=version.id) if version.status == "current"
              else _("Version %(id)s er foreslået. En anden procesejer skal godkende den.",
                     id=version.id), "success")
    return redirect(url_for("modeler.version_page", version_id=version.id))


@bp.get("/versions/<int:version_id>")
@require_area("modeler")
def version_page(version_id):
    """One version: history, files, scenario results, and the review actions."""
    version = _version_or_404(version_id)
    base = db.session.get(DefinitionVersion, version.base_version_id) \
        if version.base_version_id else None
    changes = diff_bundles(base.files, version.files) if base else []
    current = current_version(db.session)
    return render_template("modeler/version.html", version=version, base=base, changes=present(changes),
                           events=history(version.id), counts=running_counts(), current_v=current,
                           labels=STATUS_LABELS, badges=STATUS_BADGES, events_labels=EVENT_LABELS,
                           four_eyes=four_eyes(), forms=form_ids(version.files),
                           may_approve=version.status == "proposed" and (
                               not four_eyes() or version.deployed_by != current_user.username),
                           # only content approved and current before (a merged proposal is
                           # superseded too, but was never approved itself)
                           may_rollback=version.status == "superseded" and was_approved(version))


def review_action(kind, version_id):
    """Approve, reject or roll back a version: (Danish message, status, error code or None)."""
    actor = current_user.username
    try:
        if kind == "approve":
            version = approve(db.session, version_id, actor, four_eyes=four_eyes(),
                              run_scenarios=run_scenarios)
            message = _("Version %(id)s er godkendt og er nu aktuel. Nye forløb starter på den.",
                        id=version.id) if version.id == version_id else _(
                "Version %(old)s er flettet ind i den aktuelle version som version %(id)s, som "
                "nu er aktuel. Nye forløb starter på den.", old=version_id, id=version.id)
        elif kind == "reject":
            version = reject(db.session, version_id, actor,
                             (request.form.get("reason") or "").strip()[:500])
            message = _("Version %(id)s er afvist.", id=version.id)
        else:
            version, previous = rollback(db.session, version_id, actor)
            message = _("Version %(id)s er aktuel igen (i stedet for version %(old)s). Nye "
                        "forløb starter på den; igangværende forløb bliver på deres version.",
                        id=version.id, old=previous.id if previous else "-")
    except NotFound:
        db.session.rollback()
        return _("Versionen findes ikke."), 404, "not_found"
    except ReviewRefused as exc:
        db.session.rollback()
        return _refusal(exc.code, version_id), 409 if exc.code != "self_approval" else 403, \
            exc.code
    except ScenarioFailed as exc:
        db.session.rollback()
        failed = next(r for r in exc.results if not r.get("ok"))
        return _("Scenariet “%(title)s” fejler i trin %(step)s: %(message)s",
                 title=failed.get("title"), step=failed.get("step"),
                 message=failed.get("message")), 409, "scenario_failed"
    except StaleBase as exc:
        db.session.rollback()
        return _("En nyere version ændrer de samme filer (%(files)s). Foreslå ændringen igen "
                 "fra den aktuelle version.", files=", ".join(exc.changed_files)), 409, \
            "stale_base"
    audit(f"definition_{kind}", detail=message)
    db.session.commit()
    if kind == "approve":
        migrations.after_deploy(version, False)  # a version flagged "texts only" moves its pathways
    return message, 200, None


def _refusal(code, version_id):
    """The Danish explanation of a refused review action."""
    return {
        "self_approval": _("Du har selv foreslået version %(id)s. En anden procesejer skal "
                           "godkende den.", id=version_id),
        "not_proposed": _("Version %(id)s afventer ikke godkendelse.", id=version_id),
        "already_current": _("Version %(id)s er allerede aktuel. Intet er ændret.",
                             id=version_id),
        "not_approved": _("Version %(id)s har aldrig været godkendt og kan ikke gøres aktuel.",
                          id=version_id),
        "base_proposed": _("Version %(id)s er foreslået oven på en version, som endnu ikke er "
                           "godkendt. Godkend eller afvis den version først.", id=version_id),
        "base_rejected": _("Version %(id)s er foreslået oven på en version, som er afvist. "
                           "Procesejeren skal flytte ændringerne over på den aktuelle version.",
                           id=version_id),
    }.get(code, _("Handlingen er ikke tilladt."))


def _review_post(kind, version_id):
    message, status, _code = review_action(kind, version_id)
    flash(message, "success" if status < 400 else "error")
    return redirect(url_for("modeler.version_page", version_id=version_id))


@bp.post("/versions/<int:version_id>/approve")
@require_area("modeler")
def approve_post(version_id):
    """A second process owner approves a proposed version."""
    return _review_post("approve", version_id)


@bp.post("/versions/<int:version_id>/reject")
@require_area("modeler")
def reject_post(version_id):
    """Reject a proposed version."""
    return _review_post("reject", version_id)


@bp.post("/versions/<int:version_id>/rollback")
@require_area("modeler")
def rollback_post(version_id):
    """Make an earlier version current again (one audited action, after a confirmation)."""
    if request.form.get("confirm") != "1":
        flash(_("Bekræft, at version %(id)s skal gøres aktuel igen.", id=version_id), "error")
        return redirect(url_for("modeler.version_page", version_id=version_id))
    return _review_post("rollback", version_id)


@bp.get("/compare")
@require_area("modeler")
def compare():
    """Two versions side by side: the list of changes and the diagram with changes coloured."""
    old = _version_or_404(request.args.get("from", type=int) or 0)
    new = _version_or_404(request.args.get("to", type=int) or 0)
    changes = diff_bundles(old.files, new.files)
    diagrams = sorted(n for n in new.files or {} if n.endswith(".bpmn"))
    shown = request.args.get("file") if request.args.get("file") in diagrams else \
        next((c["file"] for c in changes if c["file"] in diagrams), diagrams[0] if diagrams else None)
    marked = [c for c in changes if c["file"] == shown and c["id"]]
    return render_template("modeler/compare.html", old=old, new=new, changes=present(changes),
                           diagrams=diagrams, shown=shown,
                           old_markers={c["id"]: c["change"] for c in marked
                                        if c["change"] != "added"},
                           new_markers={c["id"]: c["change"] for c in marked
                                        if c["change"] != "removed"})


@bp.get("/scenarios")
@require_area("modeler")
def scenarios_page():
    """The pathway's scenarios, readable: each synthetic patient's steps and expectations."""
    current = current_version(db.session)
    names = task_names(bundle_of(db.session, current.id)) if current else {}
    return render_template("modeler/scenarios.html", scenarios=load_all(),
                           describe=lambda step: describe_step(step, names))
