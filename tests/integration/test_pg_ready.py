"""The test command creates its PostgreSQL database when it can, else says what is missing."""
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests import dbutil, pg_ready


def test_an_unreachable_server_is_named_with_what_to_do():
    missing = pg_ready.ensure("postgresql+psycopg://postgres@127.0.0.1:1/test")
    assert "does not answer at 127.0.0.1:1" in missing and "FORLOB_TEST_POSTGRES_URL" in missing


def test_a_missing_database_is_created():
    if not dbutil.postgres_answers():
        pytest.skip(f"PostgreSQL does not answer at {dbutil.POSTGRES_URL}")
    name = "forlob_ready_" + uuid.uuid4().hex[:8]
    url = make_url(dbutil.POSTGRES_URL).set(database=name)
    try:
        assert pg_ready.ensure(url.render_as_string(hide_password=False)) is None
        assert pg_ready.ensure(url.render_as_string(hide_password=False)) is None  # idempotent
    finally:
        engine = create_engine(make_url(dbutil.POSTGRES_URL), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        engine.dispose()
