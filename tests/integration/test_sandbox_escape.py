"""The second line: raw, unrestricted Python inside a real confined worker can only compute.

The worker is started exactly as the service starts one (same class, same lockdown), with one
test-only flag that lets it run plain Python, as code that had escaped RestrictedPython would.
Each attack must fail; the targets are made world-readable and world-writable first, so what
stops them is the lockdown (Landlock, seccomp, the unprivileged user), not file modes. It needs
no database, so it runs the same under SQLite and PostgreSQL.
"""
import json
import os
import pickle
import pty
import socket
import stat
import sys

import pytest

from engine.sandbox import isolation, lockdown, wire, worker_pool

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the lockdown is Linux-only")

ATTACKS = r'''
import os, socket, subprocess, signal
result = {}

def attempt(name, action):
    try:
        outcome = action()
    except BaseException as exc:
        result[name] = "blocked: " + type(exc).__name__ + ": " + str(exc)[:80]
    else:
        result[name] = "SUCCEEDED: " + repr(outcome)[:80]

def read(path):
    with open(path, "rb") as handle:
        return handle.read(16)

def write(path):
    with open(path, "w") as handle:
        handle.write("x")

def connect(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(1)
    s.connect(("127.0.0.1", port))
    return port

def listen():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    return s.getsockname()

def system():
    status = os.system("touch " + T["marker"])
    if status != 0:
        raise OSError(status, "os.system did not run")
    return status

def fork():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    return pid

attempt("read secret key", lambda: read(T["secret"]))
attempt("read database file", lambda: read(T["database"]))
attempt("read /etc/passwd", lambda: read("/etc/passwd"))
attempt("read parent environ", lambda: read("/proc/%d/environ" % T["parent"]))
attempt("read own project root", lambda: os.listdir(T["project"]))
attempt("connect to PostgreSQL", lambda: connect(5432))
attempt("connect to the app", lambda: connect(T["app_port"]))
attempt("listen on a port", listen)
attempt("abstract unix socket", lambda: socket.socket(socket.AF_UNIX).connect("\0forlob"))
attempt("os.system", system)
attempt("subprocess", lambda: subprocess.run(["/bin/true"], check=True))
attempt("fork", fork)
attempt("signal the parent", lambda: os.kill(T["parent"], 0))
attempt("signal pid 1", lambda: os.kill(1, 0))
attempt("write a file", lambda: write(T["victim"] + ".new"))
attempt("truncate a file", lambda: os.truncate(T["victim"], 0))
attempt("open a file for writing", lambda: write(T["victim"]))
attempt("unlink a file", lambda: os.unlink(T["victim"]))
attempt("rename a file", lambda: os.rename(T["victim"], T["victim"] + ".moved"))
attempt("chmod a file", lambda: os.chmod(T["victim"], 0o600))
attempt("ptrace-like read of the parent", lambda: read("/proc/%d/mem" % T["parent"]))
'''


@pytest.fixture
def targets(tmp_path):
    """World-readable secrets and a world-writable victim, and a port where 'the app' listens."""
    tmp_path.chmod(0o777)
    files = {"secret": "secret_key", "database": "forlob.db", "victim": "victim.txt"}
    paths = {}
    for key, name in files.items():
        path = tmp_path / name
        path.write_text("secret-value" if key != "victim" else "keep me")
        path.chmod(0o666)
        paths[key] = str(path)
    app = socket.socket()
    app.bind(("127.0.0.1", 0))
    app.listen()
    paths.update(parent=os.getpid(), app_port=app.getsockname()[1],
                 marker=str(tmp_path / "marker"),
                 project=os.path.dirname(os.path.dirname(isolation.__file__)) + "/..")
    yield paths
    app.close()


def _ask(worker, mode, source):
    request = pickle.dumps((mode, source, {}, None, "2026-01-01T00:00:00", 10.0))
    return wire.decode(worker.call(request, 15))


def test_raw_python_in_a_confined_worker_can_only_compute(targets, tmp_path):
    if lockdown.landlock_abi() < 6:
        pytest.skip("this kernel's Landlock cannot confine files, TCP and signals (ABI < 6)")
    worker = isolation.Worker(escape_test=True)
    try:
        assert all(state.startswith("on") for state in worker.confinement.values()), \
            worker.confinement
        reply = _ask(worker, "raw", f"T = {targets!r}\n" + ATTACKS)
        outcomes = reply["ok"]
        # each fails with the operating system's refusal, not some incidental error
        escaped = {name: text for name, text in outcomes.items()
                   if not text.startswith(("blocked: PermissionError", "blocked: OSError"))}
        assert not escaped, escaped
        assert len(outcomes) == 21
        # nothing changed on disk, nothing was created
        assert (tmp_path / "victim.txt").read_text() == "keep me"
        assert stat.S_IMODE((tmp_path / "victim.txt").stat().st_mode) == 0o666
        assert sorted(p.name for p in tmp_path.iterdir()) == ["forlob.db", "secret_key", "victim.txt"]
        # the same worker still evaluates normally afterwards
        assert _ask(worker, "eval", "add_days(today(), 1) > today() and sum(range(10)) == 45") == \
            {"ok": True}
        assert worker.alive()
    finally:
        worker.kill()


def test_service_workers_report_their_lockdown():
    with isolation.click(10):
        assert isolation.evaluate("1 + 1", {}) == 2
    report = isolation.confinement()
    assert set(report) >= {"user", "landlock", "seccomp"}
    if lockdown.landlock_abi() >= 6:
        assert all(state.startswith("on") for state in report.values()), report


ENVIRON = r'''
def proc_environ():
    try:
        with open("/proc/self/environ", "rb") as handle:
            return handle.read().decode("utf-8", "replace")
    except OSError as exc:
        return "unreadable: " + type(exc).__name__
result = {"environ": dict(os.environ), "proc": proc_environ()}
'''

SECRETS = {"SECRET_KEY": "s3cret-key-value", "DATABASE_URL": "postgresql://u:pw@db/forlob",
           "FORLOB_FHIR_CLIENT_SECRET": "fhir-s3cret", "FORLOB_SMTP_PASSWORD": "smtp-s3cret"}


@pytest.mark.parametrize("confined", [True, False], ids=["locked-down", "lockdown-off"])
def test_a_worker_never_sees_the_services_secrets_in_its_environment(monkeypatch, confined):
    """The web process may hold secrets in its environment; its sandbox workers start without
    them. With the lockdown off /proc/self/environ is readable, so the raw bytes are checked."""
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setitem(isolation.SETTINGS, "lockdown", confined)
    # this worker's report must not stay behind as the service's (/readyz reads the newest)
    monkeypatch.setattr(worker_pool, "_CONFINEMENT", {})
    worker = isolation.Worker(escape_test=True)
    try:
        seen = _ask(worker, "raw", "import os\n" + ENVIRON)["ok"]
    finally:
        worker.kill()
    assert set(seen["environ"]) <= {"PATH", "LANG", "LC_CTYPE"}, seen["environ"]
    assert not any(name.startswith("FORLOB_") for name in seen["environ"])
    raw = seen["proc"]
    if not confined:  # readable: the process's own start-up environment block
        assert raw.startswith(("PATH=", "LANG=")), raw
    for name, value in SECRETS.items():
        assert name not in raw and value not in raw, raw
    assert "s3cret" not in repr(seen["environ"])


TERMINAL = r'''
import json, os, pickle, sys
sys.path.insert(0, {root!r})
from engine.sandbox import isolation, wire
os.close(os.open("/dev/tty", os.O_RDONLY))  # this service process has a controlling terminal
isolation.configure(lockdown=False)  # the worst case: no Landlock to stop the open below
worker = isolation.Worker(escape_test=True, lane="owner")
source = ("import os\ntry:\n    os.close(os.open('/dev/tty', os.O_RDONLY))\n    result = 'opened'\n"
          "except OSError as exc:\n    result = 'blocked: ' + type(exc).__name__\n")
reply = wire.decode(worker.call(pickle.dumps(("raw", source, {{}}, None, "2026-01-01T00:00:00",
                                              10.0)), 15))
worker.kill()
print("ANSWER " + json.dumps([reply, os.getsid(0)]), flush=True)
'''


def test_an_owners_worker_in_the_services_session_cannot_reach_its_terminal():
    """Owners' workers stay in the service's session (their CPU priority then holds); started
    from a terminal, raw code in one must still not open it (and type into it with TIOCSTI)."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(isolation.__file__))))
    pid, fd = pty.fork()
    if pid == 0:  # the child: a session leader whose controlling terminal is the new pty
        os.execv(sys.executable, [sys.executable, "-c", TERMINAL.format(root=root)])  # noqa: S606
    output = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    os.close(fd)
    os.waitpid(pid, 0)
    [line] = [text for text in output.decode().splitlines() if text.startswith("ANSWER ")]
    reply, sid = json.loads(line[7:])
    assert reply == {"ok": "blocked: OSError"}, reply
    assert sid == pid  # the worker asked from within the terminal's session
