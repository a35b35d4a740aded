"""Shared pieces of the modeler's pages and API: settings, scenario runs, version summaries."""
import threading

from flask import current_app
from sqlalchemy import func, select

from engine import modeling
from engine.modeling import affected_elements, form_id_of
from engine.models import DefinitionEvent, DefinitionVersion, Pathway
from scenarios.apart import run_apart
from scenarios.catalogue import load_all
from webui.extensions import db
from webui.i18n import localise

# base version content hash → its scenarios' results (each with what its journey reached), when
# every one passed; a version never changes
_REACHED: dict[str, list[dict]] = {}
_REACHED_LOCK = threading.Lock()


def four_eyes() -> bool:
    """True when a proposal needs a second process owner's approval (the default)."""
    return bool(current_app.config.get("FOUR_EYES", True))


REQUEST_SCENARIO_SECONDS = 60.0  # a request's scenarios stop here; background jobs run them all


LEARN_SECONDS = 600.0  # learning a base's journeys (a background thread waiting on a child)


# Requests of this web process running scenarios at once, each in a child process with the
# engine loaded (about 100 MB): as many as the owner lane has sandbox workers. Made per app on
# first use, not at import, so it follows the app's sandbox configuration.
_APART_LOCK = threading.Lock()


def _apart_slots():
    """This app's semaphore of requests running scenarios apart."""
    extensions = current_app.extensions
    with _APART_LOCK:
        if "forlob_scenarios_apart" not in extensions:
            extensions["forlob_scenarios_apart"] = threading.BoundedSemaphore(modeling.lane_size("owner"))
        return extensions["forlob_scenarios_apart"]

BUSY = ("not run: other process owners' validations fill this server's capacity; try again "
        "shortly, or validate in the background (POST /modeler/api/validation-jobs)")


def _bounded(files, scenarios):
    """Run scenarios one by one while the request's time allows; the rest fail as not run.

    They run in a child process at the owners' CPU priority (`scenarios.apart`), never in this
    web process: the workflow engine between their evaluations held the interpreter lock beside
    clinicians' requests, and a proposal slow in every step held a request for 186 s. Its
    whole validation runs as a background job.
    """
    seconds = float(current_app.config.get("MODELER_SCENARIO_SECONDS", REQUEST_SCENARIO_SECONDS))
    # never wait for a slot: a waiting request would hold a web thread a clinician may need
    slots = _apart_slots()
    if not slots.acquire(blocking=False):
        return [{"id": s["id"], "title": s["title"], "ok": False, "step": None, "message": BUSY}
                for s in scenarios]
    try:
        return run_apart(files, scenarios, seconds)
    finally:
        slots.release()


def run_scenarios(files):
    """The scenario results of a candidate bundle, run on a throw-away database."""
    return _bounded(files, load_all())


def _stored_reached(base):
    """{scenario id: reached} from a version's stored results (proposed here), or None."""
    return _as_reached(base.scenario_results)


def _as_reached(results):
    if results and all(r.get("ok") and "reached" in r for r in results):
        return {r["id"]: set(r["reached"]) for r in results}
    return None


def _store(version_id, results):
    """Keep the learnt results on a version that has none (read by the worker's jobs)."""
    version = db.session.get(DefinitionVersion, version_id)
    if version is not None and not version.scenario_results:
        version.scenario_results = results
        db.session.commit()


def _learn(app, version_id, content_hash, files):
    """Run the base's scenarios once per process and keep what each journey reached, here and
    on the version (when it has no results yet), so the worker's validation jobs know it too."""
    with _REACHED_LOCK:
        if content_hash not in _REACHED:
            done = run_apart(files, load_all(), LEARN_SECONDS)
            if _as_reached(done) is None:
                return None  # a failing journey of the base teaches nothing: run them all
            _REACHED[content_hash] = done
        with app.app_context():
            _store(version_id, _REACHED[content_hash])
        return _REACHED[content_hash]


def _reached_on(base):
    """{scenario id: reached stages, elements and rule rows} of the base version's journeys, or
    None while unknown: stored with a version proposed here, or learnt once per process
    (warm_reached starts that when the editor opens)."""
    return _stored_reached(base) or _as_reached(_REACHED.get(base.content_hash))


def warm_reached(base):
    """Learn the base's journeys in the background while the owner edits.

    Off under TESTING unless MODELER_LEARN_JOURNEYS says otherwise (a benchmark turns it on).
    """
    if not current_app.config.get("MODELER_LEARN_JOURNEYS", not current_app.config.get("TESTING")) \
            or _stored_reached(base) is not None:
        return
    if base.content_hash in _REACHED:  # learnt in this process for a twin of this version
        _store(base.id, _REACHED[base.content_hash])
        return
    # a new thread starts with a fresh context: it must be told it is owners' work
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    threading.Thread(target=modeling.owner_work(_learn),
                     args=(app, base.id, base.content_hash, dict(base.files)),
                     name="forlob-scenario-journeys", daemon=True).start()


def scenarios_for_change(base):
    """A run_scenarios(files) that runs only the scenarios whose journeys reach a changed element.

    The others run on the candidate exactly as on `base`; they are reported as not affected.
    A change that cannot be mapped to elements, or a base whose journeys are not known yet,
    runs every scenario (as propose does).
    """
    def run(files):
        scenarios = load_all()
        results = {r["id"]: r for r in _bounded(files, chosen_scenarios(base, files, scenarios))}
        return with_skipped(scenarios, results)
    return run


def chosen_scenarios(base, files, scenarios):
    """The scenarios whose journeys on `base` reach an element the candidate `files` change;
    all of them when the change cannot be mapped to elements or the journeys are unknown."""
    affected = affected_elements(base.files, files)
    reached = _reached_on(base)
    if affected is None or reached is None:
        return list(scenarios)
    return [s for s in scenarios if s["id"] not in reached or reached[s["id"]] & affected]


def with_skipped(scenarios, results):
    """Every scenario's result in catalogue order: those not run are reported as not affected."""
    return [results.get(s["id"]) or {"id": s["id"], "title": s["title"], "ok": True, "step": None,
                                    "message": None, "skipped": True} for s in scenarios]


def problems_json(problems):
    """Engine problems (file, element, line, message) as the API's list of objects."""
    return [{"file": f, "element": e, "line": line, "message": localise(m), "source": "engine"}
            for f, e, line, m in problems]


def running_counts():
    """{version id: number of active pathways on it}."""
    return dict(db.session.execute(
        select(Pathway.version_id, func.count()).where(Pathway.status == "active")
        .group_by(Pathway.version_id)).all())


def newer_json(versions):
    """The versions a stale proposal collides with, for the API."""
    return [{"id": v.id, "note": v.note, "by": v.deployed_by,
             "at": v.deployed_at.isoformat() if v.deployed_at else None, "status": v.status}
            for v in versions]


def history(version_id):
    """The events of one version, oldest first."""
    return list(db.session.scalars(select(DefinitionEvent).where(
        DefinitionEvent.version_id == version_id).order_by(DefinitionEvent.id)))


def form_ids(files):
    """The form ids carried by a bundle, sorted."""
    return sorted(f for f in (form_id_of(n) for n in files or {}) if f)
