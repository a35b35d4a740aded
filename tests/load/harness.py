"""Start and stop the production layout for load and fault tests: databases, serve.sh, workers.

Everything binds to 127.0.0.1. Databases are created per run and dropped afterwards; the
PostgreSQL-restart test gets a throw-away cluster of its own (ThrowawayPostgres), so the
shared server is never restarted.
"""
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from webui import create_app

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv" / "bin"
ADMIN_URL = os.environ.get("FORLOB_LOAD_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PG_BIN = Path(os.environ.get("FORLOB_PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Database:
    """A fresh PostgreSQL database on a server, dropped by drop()."""

    def __init__(self, admin_url=ADMIN_URL, prefix="forlob_ops"):
        self.admin_url = admin_url
        self.name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        engine.dispose()
        self.url = admin_url.rsplit("/", 1)[0] + "/" + self.name

    def drop(self):
        """Drop the database (after closing what still points at it)."""
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": self.name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}"'))
        engine.dispose()


class ThrowawayPostgres:
    """A private PostgreSQL cluster in a temp dir on its own port (restartable at will)."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="forlob-pg-"))
        self.port = free_port()
        self.data = self.dir / "data"
        self._as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as_owner:
            shutil.chown(self.dir, "postgres", "postgres")
        subprocess.run(self._as_owner + [str(PG_BIN / "initdb"), "-D", str(self.data), "-U",
                                         "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"],
                       check=True, stdout=subprocess.DEVNULL)
        self.start()
        self.admin_url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args):
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(self._as_owner + [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w",
                                         "-l", str(self.dir / "log"), "-o", options, *args],
                       check=True, stdout=subprocess.DEVNULL)

    def start(self):
        """Start the cluster and wait until it accepts connections."""
        self._ctl("start")

    def stop(self, mode="fast"):
        """Stop the cluster (fast: open connections are cut, as in a restart)."""
        self._ctl("stop", "-m", mode)

    def restart(self, down_seconds=0.0):
        """Stop, stay down a moment, start again."""
        self.stop()
        time.sleep(down_seconds)
        self.start()

    def destroy(self):
        """Stop and delete everything."""
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


def app_for(url):
    """A Flask app on the database (migrated and deployed), for seeding and checking."""
    os.environ.setdefault("FORLOB_INSTANCE_PATH", tempfile.mkdtemp(prefix="forlob-load-"))
    os.environ.setdefault("SECRET_KEY", "load-test-only")
    os.environ["FORLOB_LOG_JSON"] = "0"
    return create_app({"SQLALCHEMY_DATABASE_URI": url})


class Server:
    """scripts/serve.sh (gunicorn + timer workers) in its own process group."""

    def __init__(self, database_url, web_workers=3, threads=4, timer_workers=1,
                 timer_interval=5, log_path=None, extra_env=None):
        self.port = free_port()
        self.web_workers = web_workers
        self.url = f"http://127.0.0.1:{self.port}"
        self.dir = Path(tempfile.mkdtemp(prefix="forlob-serve-"))
        self.pidfile = self.dir / "gunicorn.pid"
        env = dict(os.environ, DATABASE_URL=database_url, BIND=f"127.0.0.1:{self.port}",
                   WEB_WORKERS=str(web_workers), WEB_THREADS=str(threads),
                   TIMER_WORKERS=str(timer_workers), TIMER_INTERVAL=str(timer_interval),
                   FORLOB_SKIP_SETUP="1", FORLOB_INSECURE_COOKIES="1",
                   SECRET_KEY=secrets.token_hex(16), FORLOB_INSTANCE_PATH=str(self.dir),
                   GUNICORN_PIDFILE=str(self.pidfile), FORLOB_LOG_JSON="1",
                   PROMETHEUS_MULTIPROC_DIR=str(self.dir / "metrics"),
                   FORLOB_METRICS_TOKEN=secrets.token_hex(16), PATH=f"{VENV}:{os.environ['PATH']}")
        env.update(extra_env or {})
        self.token = env["FORLOB_METRICS_TOKEN"]
        self.log_path = log_path or (self.dir / "serve.log")
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(["bash", str(ROOT / "scripts" / "serve.sh")], cwd=ROOT,
                                     env=env, stdout=self.log, stderr=self.log,
                                     start_new_session=True)

    def get(self, path, timeout=5, headers=None):
        """(status, body) of a GET; (None, error) when nothing answers."""
        request = urllib.request.Request(self.url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()
        except OSError as exc:
            return None, str(exc)

    def wait_ready(self, timeout=90):
        """Wait until /readyz (database, migrations, sandbox) and /readyz/worker (a worker
        heartbeat) both say ready."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve.sh exited; see {self.log_path}")
            if self.get("/readyz")[0] == 200 and self.get("/readyz/worker")[0] == 200:
                return
            time.sleep(0.5)
        raise TimeoutError(f"not ready after {timeout} s; see {self.log_path}")

    def metrics(self) -> str:
        """The /metrics text, fetched with the scrape token."""
        return self.get("/metrics", headers={"Authorization": f"Bearer {self.token}"})[1]

    def web_worker_pids(self) -> list[int]:
        """Pids of gunicorn's worker processes (children of its master)."""
        master = int(self.pidfile.read_text().strip())
        return children_of(master)

    def stop(self):
        """SIGTERM the whole layout and wait for it to finish."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


def _stats():
    """{pid: (ppid, cpu seconds)} of every process (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            found[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    return found


def children_of(pid: int) -> list[int]:
    """Direct child processes of pid."""
    return [child for child, (parent, _) in _stats().items() if parent == pid]


def cpu_seconds(root_pid: int, database: str) -> float:
    """CPU time used so far by a process tree plus the PostgreSQL backends of a database."""
    stats = _stats()
    tree, frontier = set(), {root_pid}
    while frontier:
        tree |= frontier
        frontier = {p for p, (parent, _) in stats.items() if parent in frontier} - tree
    engine = create_engine(ADMIN_URL)
    with engine.connect() as conn:
        backends = set(conn.scalars(text("SELECT pid FROM pg_stat_activity WHERE datname = :n"),
                                    {"n": database}))
    engine.dispose()
    return sum(stats[p][1] for p in tree | backends if p in stats)


def run_locust(host, users, seconds, outcomes_path, csv_prefix, spawn_rate=None, think=(2, 8),
               login_s=None, on_measuring=None):
    """Run the Locust scenario headless: `login_s` for spawning and logins, then `seconds`
    measured (the scenario resets the statistics once every user is logged in);
    `on_measuring()` is called when the measured part should have begun."""
    login_s = login_s if login_s is not None else 10 + users // 4
    env = dict(os.environ, FORLOB_LOAD_ACKS=str(outcomes_path),
               FORLOB_LOAD_THINK_MIN=str(think[0]), FORLOB_LOAD_THINK_MAX=str(think[1]),
               PYTHONPATH=str(ROOT))
    command = [str(VENV / "locust"), "-f", str(ROOT / "tests" / "load" / "locustfile.py"),
               "--headless", "--host", host, "-u", str(users),
               "-r", str(spawn_rate or max(1, users // 10)), "-t", f"{int(seconds) + login_s}s",
               "--csv", str(csv_prefix), "--only-summary", "--stop-timeout", "10",
               "--exit-code-on-error", "0", "--loglevel", "WARNING"]
    with open(f"{csv_prefix}_summary.txt", "w") as summary:  # Locust's own table, kept
        locust = subprocess.Popen(command, cwd=ROOT, env=env, stdout=summary,
                                  stderr=subprocess.STDOUT)
        try:
            if on_measuring is not None:
                time.sleep(login_s)
                on_measuring()
            return locust.wait(timeout=seconds + login_s + 120)
        finally:
            if locust.poll() is None:
                locust.kill()
