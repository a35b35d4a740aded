"""No secret in any process's environment: the documented production start, by file.

Issue 19: code that escaped a sandbox worker could read its parent's /proc/<pid>/environ with
SECRET_KEY and DATABASE_URL. Started as docs/operations.md says (`scripts/serve.sh` with
SECRET_KEY_FILE and DATABASE_URL_FILE), neither the web processes nor the timer worker hold
the key or the database password in their environment, and a sandbox worker's environment is
PATH and LANG only. Given as variables, serve.sh moves them into files before anything starts.
"""
import os
import signal
import socket
import subprocess
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.integration.waiting import until
from webui.config import secret

ROOT = Path(__file__).resolve().parents[2]
KEY = "key-7f3a9c-only-in-a-file"
PASSWORD = "pw-5b1e8d-only-in-a-file"  # PostgreSQL's trust auth ignores it; nobody may see it
WAIT = 180


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environ(pid):
    try:
        return Path(f"/proc/{pid}/environ").read_bytes().decode("utf-8", "replace")
    except OSError:
        return None


def _descendants(root):
    """{pid: command line} of every process below `root`."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parent = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append((int(entry), cmdline))
    found, todo = {}, [root]
    while todo:
        for pid, cmdline in children.get(todo.pop(), []):
            found[pid] = cmdline
            todo.append(pid)
    return found


def _secret_url(database_url):
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        url = url.set(password=PASSWORD)
    return url.render_as_string(hide_password=False)


def _serve(tmp_path, env_extra):
    port = _free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
           "FORLOB_SKIP_SETUP": "1", "FORLOB_INSTANCE_PATH": str(tmp_path / "instance"),
           "BIND": f"127.0.0.1:{port}", "WEB_WORKERS": "1", "WEB_THREADS": "2",
           "TIMER_WORKERS": "1", "TIMER_INTERVAL": "2", "FORLOB_INSECURE_COOKIES": "1",
           "FORLOB_SECRETS_DIR": str(tmp_path / "moved"), **env_extra}
    log = tmp_path / "serve.log"
    proc = subprocess.Popen(["bash", "scripts/serve.sh"], cwd=ROOT, env=env,  # noqa: S603,S607
                            stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    return proc, f"http://127.0.0.1:{port}", log


def _until(check, what, log):
    return until(check, what, log, WAIT)


def _ready(url):
    try:
        with urllib.request.urlopen(url + "/readyz", timeout=10) as answer:  # noqa: S310
            return answer.status == 200
    except OSError:
        return False


@pytest.fixture
def venv():
    if not (ROOT / ".venv" / "bin" / "gunicorn").exists():
        pytest.skip("scripts/serve.sh needs the project's .venv (scripts/setup.sh)")


@pytest.mark.parametrize("given", ["file", "variable"])
def test_no_process_of_the_service_holds_a_secret_in_its_environment(venv, database_url,
                                                                      tmp_path, given):
    url = _secret_url(database_url)
    files = tmp_path / "secrets"
    files.mkdir(mode=0o700)
    (files / "key").write_text(KEY + "\n")
    (files / "url").write_text(url + "\n")
    if given == "file":  # as docs/operations.md sets it up (systemd credentials, or any file)
        extra = {"SECRET_KEY_FILE": str(files / "key"), "DATABASE_URL_FILE": str(files / "url")}
    else:  # the old way still works: serve.sh moves them into files first
        extra = {"SECRET_KEY": KEY, "DATABASE_URL": url}
    proc, base, log = _serve(tmp_path, extra)
    try:
        _until(lambda: _ready(base), "/readyz answering 200", log)  # it evaluated in a worker
        processes = _descendants(proc.pid)
        web = {p: c for p, c in processes.items() if "gunicorn" in c}
        timer = {p: c for p, c in processes.items() if "engine worker" in c}
        sandbox = {p: c for p, c in processes.items() if "engine.sandbox.worker" in c}
        assert len(web) >= 2 and timer and sandbox, processes  # master + worker, timer, sandbox
        # serve.sh, its subshells, gunicorn's master and worker, the timer worker
        for pid in [proc.pid] + [p for p in processes if p not in sandbox]:
            environ = _environ(pid)
            assert environ is not None, (pid, processes.get(pid))
            assert KEY not in environ and url not in environ, (pid, processes.get(pid))
            assert PASSWORD not in environ and "SECRET_KEY=" not in environ, pid
            assert "DATABASE_URL=" not in environ, pid
            assert "SECRET_KEY_FILE=" in environ and "DATABASE_URL_FILE=" in environ, pid
        for pid in sandbox:
            environ = _environ(pid)
            if environ is None:  # confined: another user, or Landlock hides it from us
                continue
            names = {item.split("=", 1)[0] for item in environ.split("\0") if item}
            assert names == {"PATH", "LANG"}, (pid, environ)
        if given == "variable":  # the moved files hold them, private to the service's user
            for name, value in (("SECRET_KEY", KEY), ("DATABASE_URL", url)):
                moved = tmp_path / "moved" / name
                assert moved.read_text() == value
                assert moved.stat().st_mode & 0o077 == 0
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_a_secret_file_wins_and_an_unreadable_one_stops_the_start(tmp_path, monkeypatch):
    path = tmp_path / "key"
    path.write_text("from-the-file\n")
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("SECRET_KEY_FILE", str(path))
    assert secret("SECRET_KEY") == "from-the-file"
    monkeypatch.delenv("SECRET_KEY_FILE")
    assert secret("SECRET_KEY") == "from-the-environment"
    monkeypatch.delenv("SECRET_KEY")
    assert secret("SECRET_KEY", "default") == "default"
    monkeypatch.setenv("DATABASE_URL_FILE", str(tmp_path / "missing"))
    with pytest.raises(RuntimeError, match="DATABASE_URL_FILE=.*cannot be read"):
        secret("DATABASE_URL")
    (tmp_path / "empty").write_text("\n")
    monkeypatch.setenv("DATABASE_URL_FILE", str(tmp_path / "empty"))
    with pytest.raises(RuntimeError, match="is empty"):
        secret("DATABASE_URL")
