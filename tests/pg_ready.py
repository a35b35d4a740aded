"""Make the PostgreSQL test database exist when it can, or say exactly what is missing.

`python -m tests.pg_ready` (run by scripts/test.sh before the PostgreSQL run) connects to
FORLOB_TEST_POSTGRES_URL; when the server answers but the database (`test` by default) does
not exist, it creates it through the server's `postgres` database as the same user. Exit
code 0: ready; 1: not ready, with one line on stderr saying what to do.
"""
import sys

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.dbutil import POSTGRES_URL


def _try(url):
    """None when `url` accepts a connection, else the driver's error."""
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return None
    except Exception as exc:  # noqa: BLE001 - the message is what we report
        return exc
    finally:
        engine.dispose()


def ensure(url: str = POSTGRES_URL) -> str | None:
    """None when the test database is ready (created if need be); else what is missing."""
    problem = _try(url)
    if problem is None:
        return None
    parsed = make_url(url)
    where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    name, user = parsed.database or "test", parsed.username or "postgres"
    if "does not exist" not in str(problem) or f'"{name}"' not in str(problem):
        return (f"PostgreSQL does not answer at {where} as user {user!r} "
                f"({str(problem).splitlines()[0][:200]}); start it, or point "
                f"FORLOB_TEST_POSTGRES_URL at one")
    maintenance = parsed.set(database="postgres")
    engine = create_engine(maintenance, isolation_level="AUTOCOMMIT",
                           connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - reported with the command that would fix it
        return (f"the database {name!r} does not exist at {where} and user {user!r} cannot "
                f"create it ({str(exc).splitlines()[0][:200]}); create it once with: "
                f"createdb -h {parsed.host or 'localhost'} -p {parsed.port or 5432} "
                f"-U postgres {name}")
    finally:
        engine.dispose()
    print(f"created the PostgreSQL test database {name!r} at {where}", file=sys.stderr)
    return _try(url) and f"created {name!r} at {where}, but it still does not answer"


if __name__ == "__main__":
    missing = ensure()
    if missing:
        print(f"PostgreSQL tests cannot run: {missing}", file=sys.stderr)
    sys.exit(1 if missing else 0)
