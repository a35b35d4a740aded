"""Test database selection: SQLite by default, PostgreSQL when FORLOB_TEST_DB=postgres."""
import os
import uuid

from sqlalchemy import create_engine, text

from webui.demo.wipe import wipe_all_rows

POSTGRES_URL = os.environ.get(
    "FORLOB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def postgres_answers(url: str = POSTGRES_URL) -> bool:
    """True when PostgreSQL accepts a connection at url."""
    try:
        eng = create_engine(url, connect_args={"connect_timeout": 3})
        with eng.connect() as conn:
            conn.execute(text("SELECT 1"))
        eng.dispose()
        return True
    except Exception:
        return False


def create_postgres_schema() -> tuple[str, str]:
    """Create a fresh schema for this run; return (url, schema)."""
    schema = "forlob_test_" + uuid.uuid4().hex[:10]
    eng = create_engine(POSTGRES_URL)
    with eng.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    eng.dispose()
    sep = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}", schema


def drop_postgres_schema(schema: str) -> None:
    """Drop a schema made by create_postgres_schema."""
    eng = create_engine(POSTGRES_URL)
    with eng.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    eng.dispose()


def reset_tables(session, metadata) -> None:
    """Empty every table quickly, keeping the schema and the migration stamp."""
    wipe_all_rows(session, metadata)


def measure_on(kind: str, measure):
    """`measure(url)` on SQLite (url None: the benchmark's own file) or on a throwaway
    PostgreSQL schema, dropped afterwards."""
    if kind != "postgres":
        return measure(None)
    url, schema = create_postgres_schema()
    try:
        return measure(url)
    finally:
        drop_postgres_schema(schema)
