"""Attacks through the facade: hostile definitions cannot stall, bloat or crash the service.

Every case deploys a definition that passes validation, then makes the engine run its hostile
element (by starting, completing a task, delivering a message or ticking). For each we assert:
the step fails with SandboxViolation naming the element within the click budget plus 1 s;
the service process's memory grows by less than 100 MB; /healthz answers within 200 ms while
the attack runs; nothing of the step is saved; and the sandbox still works afterwards.
"""
import os
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine import service
from engine.clock import as_utc
from engine.errors import SandboxViolation
from engine.models import Pathway, SandboxFailure
from engine.sandbox import isolation
from tests.conftest import TEST_CLICK_BUDGET_S
from tests.fixtures import hostile
from tests.integration.attack_watch import watched
from tests.integration.engine_helpers import T0, new_patient
from webui.extensions import db

BUDGET = 0.5  # seconds per click in tests (2 s in production)
# compares two 2**64-leaf shared structures in C: runs until the deadline stops it
SLOW_IN_C = ("a = [0]\nb = [0]\nfor i in range(64):\n    n = []\n    n.append(a)\n"
             "    n.append(a)\n    a = n\n    m = []\n    m.append(b)\n    m.append(b)\n"
             "    b = m\nl = []\nl.append(a)\nx = l.count(b)")

# Two structures of 2**64 leaves, built without displays: comparing, sorting or hashing them
# runs in C, where no trace function or size guard can interrupt it.
DOUBLED = ("a = [0]\nb = [0]\nfor i in range(64):\n    n = []\n    n.append(a)\n"
           "    n.append(a)\n    a = n\n    m = []\n    m.append(b)\n    m.append(b)\n    b = m\n"
           "l = []\nl.append(a)\n")
TUPLES = "t = (0,)\nfor i in range(64):\n    l = []\n    l.append(t)\n    l.append(t)\n    t = tuple(l)\n"
BASE = "ValueError.mro()[-2]"  # BaseException, reached through mro()
SLOW = "sum([len(str(list(range(50)))) for i in range(3000)]) < 0"  # ~0.1 s, well within 1 s
STEPS = "len([1 for a in range(9999) for b in range(9999)]) > 0"
MEMORY = "len([[i] * 99999 for i in range(9999)]) > 0"  # 8 GB, far past the worker's RLIMIT_AS
THROW = f"(i for i in [1]).throw({BASE})"
# A memory bomb hits the worker's RLIMIT_AS in 0.1-0.6 s on a loaded machine, so within the
# tests' short budget either limit may stop it first (test_memory_limit_... checks the OS one).
BOMB = {"memory", "time"}

# name -> (how the element is reached, bundle, expected limit)
CASES = {
    "script_infinite_loop": ("start", hostile.script("while True:\n    pass"), {"steps", "time"}),
    "script_compare_shared_via_count": ("start", hostile.script(DOUBLED + "x = l.count(b)"), {"time"}),
    "script_compare_shared_via_index": ("start", hostile.script(DOUBLED + "x = l.index(b)"), {"time"}),
    "script_sort_shared": ("start", hostile.script(DOUBLED + "l.append(b)\nl.sort()"), {"time"}),
    "script_remove_shared": ("start", hostile.script(DOUBLED + "l.remove(b)"), {"time"}),
    "script_hash_shared_tuple": ("start", hostile.script(TUPLES + "d = {}\nd[t] = 1"), {"time"}),
    "script_memory_list": ("start", hostile.script(
        "x = []\nfor i in range(9999):\n    x.append([i] * 99999)"), BOMB),
    "script_memory_dict": ("start", hostile.script(
        "d = {}\nfor i in range(9999):\n    d[str(i)] = [i] * 99999"), BOMB),
    "script_deep_recursion": ("start", hostile.script(
        "def f(n):\n    return f(n + 1)\nx = f(0)"), {"recursion"}),
    "script_exponential_recursion": ("start", hostile.script(
        "def f(n):\n    return f(n - 1) + f(n - 1) if n else 1\nx = f(60)"), {"steps", "time"}),
    "script_raises_base_exception": ("start", hostile.script(f"raise {BASE}('x')"), {"exception"}),
    "script_raises_base_exception_class": ("start", hostile.script(f"raise {BASE}"), {"exception"}),
    "script_generator_throw": ("start", hostile.script(f"y = {THROW}"), {"exception"}),
    "script_class_statement": ("start", hostile.script(f"class E({BASE}):\n    pass\nraise E()"),
                               {"error"}),
    "script_leaves_huge_data": ("start", hostile.script("x = ['a' * 99999 for i in range(90)]"),
                                {"size"}),
    "script_leaves_a_generator": ("start", hostile.script("g = (i for i in [1])"), {"size"}),
    "scripts_share_one_budget": ("start", hostile.chain([f"x = {SLOW}"] * 12), {"time"}),
    "condition_steps": ("start", hostile.condition(STEPS), {"steps", "time"}),
    "condition_memory": ("start", hostile.condition(MEMORY), BOMB),
    "condition_generator_throw": ("start", hostile.condition(THROW), {"exception"}),
    "timer_steps": ("start", hostile.timer(f"iso(add_days(today(), int({STEPS})))"),
                    {"steps", "time"}),
    "timer_memory": ("start", hostile.timer(f"iso(add_days(today(), int({MEMORY})))"), BOMB),
    "timer_generator_throw": ("start", hostile.timer(THROW), {"exception"}),
    "due_steps": ("start", hostile.due(f"add_days(today(), int({STEPS}))"), {"steps", "time"}),
    "due_memory": ("start", hostile.due(f"add_days(today(), int({MEMORY}))"), BOMB),
    "due_generator_throw": ("start", hostile.due(THROW), {"exception"}),
    "prescript_hash_shared_tuple": ("start", hostile.prescript(TUPLES + "d = {}\nd[t] = 1"),
                                    {"time"}),
    "prescript_raises_base_exception": ("start", hostile.prescript(f"raise {BASE}"),
                                        {"exception"}),
    "dmn_slow_rules_share_one_budget": ("start", hostile.dmn([SLOW] * 12), {"time"}),
    "dmn_memory_entry": ("start", hostile.dmn([MEMORY]), BOMB),
    "dmn_generator_throw": ("start", hostile.dmn([THROW]), {"exception"}),
    "tick_infinite_loop": ("tick", hostile.after_timer("while True:\n    pass"), {"steps", "time"}),
    "tick_hash_shared_tuple": ("tick", hostile.after_timer(TUPLES + "d = {}\nd[t] = 1"), {"time"}),
    "tick_raises_base_exception": ("tick", hostile.after_timer(f"raise {BASE}('x')"),
                                   {"exception"}),
    "tick_memory": ("tick", hostile.after_timer(
        "x = []\nfor i in range(9999):\n    x.append([i] * 99999)"), BOMB),
    "message_compare_shared": ("message", hostile.after_message(DOUBLED + "x = l.count(b)"),
                               {"time"}),
    "message_raises_base_exception": ("message", hostile.after_message(f"raise {BASE}"),
                                      {"exception"}),
    "complete_sort_shared": ("complete", hostile.after_task(DOUBLED + "l.append(b)\nl.sort()"),
                             {"time"}),
    "complete_memory": ("complete", hostile.after_task(
        "d = {}\nfor i in range(9999):\n    d[str(i)] = [i] * 99999"), BOMB),
}


@pytest.fixture
def session(app):
    previous = isolation.SETTINGS["click_budget_s"]
    isolation.configure(click_budget_s=BUDGET)
    with app.app_context():
        yield db.session
    isolation.configure(click_budget_s=previous)


def _prepare(session, how, bundle):
    """Deploy the bundle; for attacks after a wait, start the pathway up to the wait."""
    assert isolation.pool().wait_idle(30)  # the attack, not the last one's recovery, is timed
    service.deploy_bundle(session, bundle, "owner", known_forms=hostile.FORMS)
    patient = new_patient(session)
    session.commit()
    if how == "start":
        return patient, None
    pathway = service.start_pathway(session, patient.id, {}, "alice", now=T0)
    session.commit()
    return patient, pathway


def _attack(session, how, patient, pathway):
    if how == "start":
        return service.start_pathway(session, patient.id, {}, "alice", now=T0)
    if how == "message":
        return service.deliver_message(session, "svar", patient.id, {}, "alice", now=T0)
    if how == "complete":
        task = service.ready_tasks(session, pathway.id)[0]
        return service.complete_task(session, pathway.id, task.task_id, {}, "alice", now=T0)
    return service.tick(session, now=T0 + timedelta(days=2))


def _assert_service_unharmed(watch):
    assert watch.elapsed < BUDGET + 1, f"took {watch.elapsed:.2f} s"
    assert watch.memory_growth_mb() < 100, f"grew {watch.memory_growth_mb():.0f} MB"
    assert watch.latencies and set(watch.statuses) == {200}
    # The attack's code ran in a sandbox worker, not here: this process spent a small part of
    # one budget's CPU (about 0.04 s, measured; an attack evaluated here burns the budget). CPU
    # time does not grow with the machine's load, where /healthz's latency did (224 ms at load
    # 10), so the latency bound only catches a service that stopped answering.
    assert watch.cpu_s < BUDGET / 2, f"this process used {watch.cpu_s:.2f} s of CPU"
    assert max(watch.latencies) < 1.0, f"/healthz took {max(watch.latencies) * 1000:.0f} ms"
    # the sandbox still evaluates, and a killed worker has been replaced by a spare
    assert isolation.evaluate("1 + 1", {}) == 2
    assert isolation.pool().count <= isolation.SETTINGS["workers"]
    assert isolation.pool().wait_idle(30)


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_definition_is_contained(app, session, name):
    how, bundle, limits = CASES[name]
    patient, pathway = _prepare(session, how, bundle)
    before = (pathway.lock_version, pathway.state) if pathway is not None else None
    with watched(app) as watch:
        if how == "tick":
            assert _attack(session, how, patient, pathway) == 0  # the sweep survives
        else:
            with pytest.raises(SandboxViolation) as info:
                _attack(session, how, patient, pathway)
    _assert_service_unharmed(watch)
    if how == "tick":
        session.commit()
        session.expire_all()
        parked = session.get(Pathway, pathway.id)
        assert "evil" in parked.last_error and as_utc(parked.next_due_at) > T0 + timedelta(days=2)
        failure = session.scalar(select(SandboxFailure))
        assert (failure.element, failure.pathway_id) == ("evil", pathway.id)
        assert failure.limit_kind in limits, failure.limit_kind
        return
    exc = info.value
    assert exc.element and exc.element.startswith("evil"), exc
    assert exc.limit in limits, (exc.limit, exc.reason)
    assert exc.patient_id == patient.id and exc.version_id is not None
    session.rollback()
    if how == "start":  # nothing of the step is saved
        assert session.scalar(select(func.count(Pathway.id))) == 0
    else:
        session.expire_all()
        again = session.get(Pathway, pathway.id)
        assert (again.lock_version, again.state) == before
        assert exc.pathway_id == pathway.id


def test_memory_limit_is_the_operating_systems(session):
    # With a budget long enough for the bomb to reach RLIMIT_AS, the OS limit is what stops it.
    isolation.configure(click_budget_s=5)
    with pytest.raises(SandboxViolation) as info:
        isolation.evaluate(MEMORY, {})
    assert info.value.limit == "memory"


def test_a_slow_evaluation_moves_into_the_capped_cgroup_and_its_worker_is_not_reused(tmp_path):
    # The operator's cgroup (FORLOB_SANDBOX_SLOW_CGROUP) caps the CPU of slow evaluations; a
    # plain folder with a cgroup.procs file stands in for it here.
    (tmp_path / "cgroup.procs").write_text("")
    previous = isolation.SETTINGS["click_budget_s"]
    isolation.configure(slow_cgroup=str(tmp_path), click_budget_s=BUDGET)
    try:
        with isolation.click():
            assert isolation.evaluate("1 + 1", {}) == 2           # quick: stays where it is
        assert (tmp_path / "cgroup.procs").read_text() == ""
        with pytest.raises(SandboxViolation), isolation.click():
            isolation.execute(SLOW_IN_C, {})                       # slow: moved, then killed
        moved = (tmp_path / "cgroup.procs").read_text().strip()
        assert moved.isdigit()
        assert int(moved) not in {w.proc.pid for w in isolation.pool().idle}
        assert isolation.evaluate("2 + 2", {}) == 4
    finally:
        isolation.configure(slow_cgroup="", click_budget_s=previous)


@pytest.mark.parametrize("kind", [SystemExit, KeyboardInterrupt, GeneratorExit])
def test_base_exceptions_raised_in_the_worker_are_contained(kind):
    # The class is passed in as data (pickled by reference), so the worker raises the real
    # SystemExit/KeyboardInterrupt/GeneratorExit; the service only ever sees a violation.
    with pytest.raises(SandboxViolation) as info:
        isolation.execute("raise E('bye')", {}, {"E": kind})
    assert info.value.limit == "exception" and kind.__name__ in info.value.reason
    assert isolation.evaluate("2 * 3", {}) == 6


def test_a_forked_process_gets_its_own_workers():
    # As gunicorn forks its workers from a master that may already have used the sandbox.
    assert isolation.evaluate("1 + 1", {}) == 2
    parent_pids = {w.proc.pid for w in isolation.pool().idle}
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            fresh = isolation.pool().count == 0 and not isolation.pool().idle
            ok = fresh and isolation.evaluate("3 * 3", {}) == 9 and \
                not {w.proc.pid for w in isolation.pool().idle} & parent_pids
            os.write(write, b"ok" if ok else b"no")
        finally:
            os._exit(0)
    os.close(write)
    answer = os.read(read, 2)
    os.waitpid(child, 0)
    assert answer == b"ok"
    assert isolation.evaluate("2 + 2", {}) == 4  # the parent's workers are untouched


def test_deploying_code_that_is_slow_to_compile_keeps_the_service_answering(app, session):
    # Compiling holds the GIL in C: deploy-time checks run in a worker too.
    slow = "x = 1\n" * 16_000  # 96,000 characters, just under the limit per script
    bundle = hostile.chain([slow] * 12)
    # Honest code: the check gets the suite's long budget, so a loaded machine cannot fail it;
    # what is measured is that the service keeps answering meanwhile.
    isolation.configure(click_budget_s=TEST_CLICK_BUDGET_S)
    with watched(app) as watch:
        version = service.deploy_bundle(session, bundle, "owner", known_forms=hostile.FORMS)
    assert version.id
    assert watch.latencies and max(watch.latencies) < 0.2, max(watch.latencies)
    assert watch.memory_growth_mb() < 100


def test_a_due_date_that_cannot_be_computed_yet_is_no_deadline(session):
    # An ordinary error of a `due` expression (a name not in the data yet) is no attack.
    service.deploy_bundle(session, hostile.due("add_days(not_there_yet, 3)"), "owner",
                          known_forms=hostile.FORMS)
    patient = new_patient(session)
    pathway = service.start_pathway(session, patient.id, {}, "alice", now=T0)
    session.commit()
    [item] = service.ready_tasks(session, pathway.id)
    assert item.task_spec == "evil" and item.due_at is None
