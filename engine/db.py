"""The declarative base that every table of the project hangs on, and statements built once."""
from functools import cache

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class for all ORM models (engine and web alike)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# SQLAlchemy caches a statement's compiled SQL, but building the statement object and its
# cache key is Python work on every call: 50–100 µs for a select with a join or an EXISTS,
# about 15 % of a request's CPU over the clinician mix (docs/performance.md). A statement
# built once, with `bindparam` placeholders where the values go, keeps its memoised cache key,
# so each use costs only its execution. Statements are immutable: threads may share one.
def once(build):
    """Decorator for hot statements: `build()` runs on first use, later calls reuse its result."""
    return cache(build)
