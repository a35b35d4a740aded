"""Issue 19's "Done when", rerun: a hostile process owner's attacks against the running app.

One gunicorn (2 processes x 8 threads, CSRF and rate limits on, real sandbox workers) serves
the test database. Logged in as the process owner 'ejer' over HTTP, the attacker tries to put
unapproved content live (migration, auto-migration, rollback, approving their own proposal),
makes validation burn its evaluation budget while a clinician works, and tries RestrictedPython
escapes in conditions and script tasks. Every attempt must be refused or bounded, and nothing
unapproved may reach a patient.
"""
import os
import re
import threading
import time

import pytest
import requests
from sqlalchemy import select

from engine import modeling, service
from engine.migration.models import MigrationJob, VersionMigrationPolicy
from engine.models import DefinitionVersion, Pathway
from tests.web.live_gunicorn import SECRET_KEY, serving
from tests.web.pathway_setup import ensure_deployed, refer
from webui.demo.seed import DEMO_PASSWORD
from webui.extensions import db

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
BUDGET_S = 0.5  # the click budget the server runs with (FORLOB_CLICK_BUDGET_S)
# Production runs owners' work at nice 19 under SCHED_IDLE: it gets a CPU only when nothing
# else wants one. In a suite run at load 8, whose busy processes share the suite's scheduling
# group, that was never: an owner's dry run got no answer in 180 s. So this server runs owners'
# work at the suite's own priority, as tests/conftest.py does for the rest of the suite; the
# priority itself is asserted by tests/integration/test_sandbox_lanes.py and measured by
# tests/benchmarks/owner_load.py. What is asserted here holds without its help: every attack is
# refused or bounded, and a clinician's requests stay quick. Owners' requests may still wait.
OWNER_WAIT_S = 180
# before the referral's first script: compares two 2**64-leaf structures in C, where no trace
# function interrupts it, so only the evaluation's deadline can end it
BURN = ("a = [0]\nb = [0]\nfor i in range(64):\n    n = []\n    n.append(a)\n    n.append(a)\n"
        "    a = n\n    m = []\n    m.append(b)\n    m.append(b)\n    b = m\n"
        "l = []\nl.append(a)\nwaste = l.count(b)\n")
ESCAPES = [
    ("condition", "().__class__.__bases__[0].__subclasses__()"),
    ("condition", "__import__('os').system('id') == 0"),
    ("script", "import os\nos.system('touch /tmp/pwned')"),
    ("script", "f = (lambda: 0).__code__\nx = f.co_consts"),
    ("script", "exec('import os')"),
    ("script", "g = (x for x in ()).gi_frame.f_back.f_globals"),
]

# these may compile; the name check or RestrictedPython's guards at run time must stop them
# ({marker} is filled in, so literal braces are doubled)
RUNTIME_ESCAPES = [
    "x = getattr(today, '__globals__')",
    "x = '{{0.__class__.__mro__}}'.format(today)",
    "x = open({marker!r}, 'w')",
    "x = vars(today)",
    "x = str.format('{{0.__class__}}', today)",
]


def _relabel(files, name, old, new):
    return {name: files[name].replace(old, new, 1)}


@pytest.fixture
def versions(app, demo_users):
    """Two referred pathways on the deployed version; a proposal of 'ejer' merged away by an
    approval (superseded, never approved) and one still proposed."""
    with app.app_context():
        ensure_deployed()
        pathways = [refer(cpr=cpr).id for cpr in ("0101901235", "0202902346")]
        base = service.current_version(db.session)
        first, _ = modeling.propose(db.session, base.id, _relabel(
            base.files, "stabil.bpmn", 'name="Stabil"', 'name="Stabil fase"'), "ejer")
        second, _ = modeling.propose(db.session, base.id, _relabel(
            base.files, "forms/audit.json", '"title": "', '"title": "Ny: '), "ejer")
        modeling.approve(db.session, first.id, "ejer2")
        merged = modeling.approve(db.session, second.id, "ejer2")
        proposal, _ = modeling.propose(db.session, merged.id, _relabel(
            merged.files, "stabil.bpmn", 'name="Stabil fase"', 'name="Stabil 3"'), "ejer")
        db.session.commit()
        return dict(pathways=pathways, base=base.id, merged_away=second.id, merged=merged.id,
                    proposal=proposal.id, henvisning=merged.files["henvisning.bpmn"])


@pytest.fixture
def live(database_url, versions, tmp_path):
    """The running app, with a short click budget so the budget attacks stay quick."""
    with serving(database_url, tmp_path, extra_env={
            "FORLOB_CLICK_BUDGET_S": str(BUDGET_S), "FORLOB_SANDBOX_OWNER_NICE": "0",
            "FORLOB_SANDBOX_OWNER_IDLE": "0"}) as url:
        yield url


def _login(base, username):
    """A browser session logged in over HTTP; returns (session, CSRF token)."""
    http = requests.Session()
    page = http.get(base + "/login", timeout=OWNER_WAIT_S)
    answer = http.post(base + "/login", timeout=OWNER_WAIT_S, allow_redirects=False, data={
        "csrf_token": CSRF.search(page.text).group(1), "username": username,
        "password": DEMO_PASSWORD})
    assert answer.status_code == 302, answer.text[:300]
    token = CSRF.search(http.get(base + "/modeler/" if username.startswith("ejer") else base + "/",
                                 timeout=OWNER_WAIT_S).text).group(1)
    return http, token


def _environ(pid):
    """A process's start-up environment, or None when it is gone or not ours to read."""
    try:
        with open(f"/proc/{pid}/environ", "rb") as handle:
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return None


def _sandbox_workers_of(instance_path):
    """Sandbox worker processes whose parent is a web process serving from instance_path."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                cmdline = handle.read()
            with open(f"/proc/{entry}/stat") as handle:
                parent = handle.read().rsplit(")", 1)[1].split()[1]
        except OSError:
            continue
        if b"engine.sandbox.worker" in cmdline and \
                f"FORLOB_INSTANCE_PATH={instance_path}" in (_environ(parent) or ""):
            found[int(entry)] = _environ(entry)
    return found


def _web_processes_of(instance_path):
    """{pid: start-up environment} of the gunicorn processes serving from instance_path."""
    found = {}
    for entry in os.listdir("/proc"):
        environ = _environ(entry) if entry.isdigit() else None
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                cmdline = handle.read()
        except OSError:
            continue
        if environ and b"gunicorn" in cmdline and f"FORLOB_INSTANCE_PATH={instance_path}\0" in environ:
            found[int(entry)] = environ
    return found


def _state(app, versions):
    """What the attacks must not change: jobs, policies, pathways' versions, the current one."""
    with app.app_context():
        db.session.expire_all()
        return dict(
            jobs=db.session.scalars(select(MigrationJob)).all(),
            policies=db.session.scalars(select(VersionMigrationPolicy)).all(),
            on=[db.session.get(Pathway, p).version_id for p in versions["pathways"]],
            current=service.current_version(db.session).id,
            approved=db.session.get(DefinitionVersion, versions["proposal"]).approved_by)


def test_a_hostile_owner_cannot_put_unapproved_content_live_over_http(app, live, versions):
    http, token = _login(live, "ejer")
    listing = http.get(live + "/modeler/migrations", timeout=OWNER_WAIT_S).text
    for target in (versions["proposal"], versions["merged_away"]):
        assert f'<option value="{target}"' not in listing  # never offered
        dry = http.get(live + f"/modeler/migrations?to={target}", timeout=OWNER_WAIT_S)
        assert "ikke godkendt" in dry.text
        start = http.post(live + "/modeler/migrations", timeout=OWNER_WAIT_S,
                          data={"csrf_token": token, "to": target, "scope": "all"})
        assert "ikke godkendt" in start.text
        auto = http.post(live + f"/modeler/migrations/versions/{target}/auto", timeout=OWNER_WAIT_S,
                         data={"csrf_token": token, "auto_migrate": "1"})
        assert "ikke godkendt" in auto.text
        rollback = http.post(live + f"/modeler/versions/{target}/rollback", timeout=OWNER_WAIT_S,
                             data={"csrf_token": token, "confirm": "1"})
        assert rollback.status_code < 500 and "er aktuel igen" not in rollback.text
    merged_away = http.post(live + f"/modeler/versions/{versions['merged_away']}/rollback",
                            timeout=OWNER_WAIT_S, data={"csrf_token": token, "confirm": "1"})
    assert "aldrig været godkendt" in merged_away.text
    # approving one's own proposal through the JSON API
    own = http.post(live + f"/modeler/api/versions/{versions['proposal']}/approve", json={},
                    headers={"X-CSRFToken": token}, timeout=OWNER_WAIT_S)
    assert own.status_code >= 400 and own.json()["ok"] is False
    # the CLI-free engine paths all held: nothing moved, nothing became current
    after = _state(app, versions)
    assert after == dict(jobs=[], policies=[], on=[versions["base"]] * 2,
                         current=versions["merged"], approved=None)


def test_budget_burning_validation_and_a_flood_of_checks_leave_clinicians_working(
        live, versions, tmp_path, database_url):
    owner, token = _login(live, "ejer")
    clinician, _ = _login(live, "psyk.kbh")
    hostile = versions["henvisning"].replace("<bpmn:script>group = ", "<bpmn:script>" + BURN + "group = ", 1)
    assert hostile != versions["henvisning"]
    answer, took, latencies, done = {}, {}, [], threading.Event()

    def attack():
        started = time.monotonic()
        answer["response"] = owner.post(
            live + "/modeler/api/validate", timeout=120, headers={"X-CSRFToken": token},
            json={"base_version": versions["proposal"], "files": {"henvisning.bpmn": hostile}})
        took["s"] = time.monotonic() - started
        done.set()

    flooder, flood_token = _login(live, "ejer2")
    flood_codes = []

    def flood():  # the flood: 20,000-character live checks, as fast as answered
        long_check = {"kind": "condition", "text": " or ".join(["x == 1"] * 2000)[:20000]}
        while not done.is_set():
            flood_codes.append(flooder.post(live + "/modeler/api/expression", json=long_check,
                                            headers={"X-CSRFToken": flood_token}, timeout=OWNER_WAIT_S).status_code)

    attacker = threading.Thread(target=attack)
    flooders = [threading.Thread(target=flood) for _ in range(4)]
    for thread in [attacker, *flooders]:
        thread.start()
    while not done.is_set():  # a clinician's worklist, for as long as the attack runs
        started = time.monotonic()
        page = clinician.get(live + "/", timeout=30)
        latencies.append((page.status_code, time.monotonic() - started))
        done.wait(0.1)
    for thread in [attacker, *flooders]:
        thread.join()
    body = answer["response"].json()
    assert answer["response"].status_code == 200 and body["ok"] is False
    failed = [s for s in body["scenarios"] if not s.get("ok", True)]
    # the hostile step is named: by a failing scenario or, at load 8 with the flood holding
    # every owner worker, by the compile check that could not get one (owners wait, not clinicians)
    assert failed or body["problems"], body
    text = repr(failed or body["problems"])
    assert "henv_group" in text or "Bestem patientgruppe" in text, text[:500]
    print(f"validate took {took['s']:.1f} s; clinician worklist: {len(latencies)} requests, "
          f"max {max(t for _, t in latencies):.2f} s; flood answers {sorted(set(flood_codes))} "
          f"({len(flood_codes)})")
    assert flood_codes and set(flood_codes) <= {200, 429}  # answered or rate-limited, never 5xx
    assert all(code == 200 for code, _ in latencies)
    assert max(t for _, t in latencies) < 5.0  # a loaded CI machine, yet never behind the attack
    # the request ends at its scenario deadline (60 s), not minutes later as before issue 19
    # (186 s); at load 8 the answer itself took a few seconds more (65.6 s seen)
    assert took["s"] < 60 + 30
    # started as docs/operations.md says, no web process holds a secret in its environment
    web = _web_processes_of(tmp_path)
    assert web, "no web process of this server found"
    for pid, environ in web.items():
        assert SECRET_KEY not in environ and database_url not in environ, pid
        assert "SECRET_KEY=" not in environ and "DATABASE_URL=" not in environ, pid
    # nor do the sandbox workers they started (only PATH and LANG)
    # a worker that overran its deadline was killed and is replaced on demand: ask for one
    workers, deadline = _sandbox_workers_of(tmp_path), time.monotonic() + 15
    while not workers and time.monotonic() < deadline:
        owner.post(live + "/modeler/api/expression", json={"kind": "condition", "text": "1 == 1"},
                   headers={"X-CSRFToken": token}, timeout=OWNER_WAIT_S)
        workers = _sandbox_workers_of(tmp_path)
    assert workers, "no sandbox worker of this server found"
    print(f"{len(workers)} sandbox workers, environments: {sorted(set(map(str, workers.values())))}")
    for pid, environ in workers.items():
        if environ is None:
            continue  # not readable by this test's user
        names = {item.split("=", 1)[0] for item in environ.split("\0") if item}
        assert names == {"PATH", "LANG"}, (pid, environ)


def test_restrictedpython_escapes_are_refused_with_a_clear_message(live, versions, tmp_path):
    owner, token = _login(live, "ejer")
    for kind, text in ESCAPES:  # refused as the editor checks them, before anything runs
        body = owner.post(live + "/modeler/api/expression", json={"kind": kind, "text": text},
                          headers={"X-CSRFToken": token}, timeout=OWNER_WAIT_S).json()
        assert body["ok"] is False, (kind, text, body)
        assert body["message"].startswith("Udtrykket kan ikke bruges"), body
    marker = tmp_path / "pwned"
    for attempt in RUNTIME_ESCAPES:
        script = attempt.format(marker=str(marker))
        hostile = versions["henvisning"].replace(
            "<bpmn:script>group = ", f"<bpmn:script>{script}\ngroup = ", 1)
        body = owner.post(live + "/modeler/api/validate", headers={"X-CSRFToken": token},
                          timeout=OWNER_WAIT_S, json={"base_version": versions["proposal"],
                                            "files": {"henvisning.bpmn": hostile}}).json()
        assert body["ok"] is False, (attempt, body)
        # a problem found statically names the element; a scenario stopped at run time says it
        named = [f"{p['element']}: {p['message']}" for p in body["problems"]] + \
            [s["message"] for s in body["scenarios"] if not s.get("ok", True)]
        assert named and all("henv_group" in m for m in named), (attempt, named)
        print(script, "->", named[0])
    assert not marker.exists()
