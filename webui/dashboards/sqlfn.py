"""Portable SQL helpers, so the dashboards can do date maths in the database.

SQLite and PostgreSQL spell date arithmetic differently; these constructs compile to each.
"""
from sqlalchemy import Date, Float, Integer, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

UNIX_EPOCH_JULIAN = 2440587.5  # julianday('1970-01-01')


class epoch_days(FunctionElement):
    """Days since 1970-01-01 (UTC) of a date or timestamp column, as a float."""

    type = Float()
    inherit_cache = True
    name = "epoch_days"


@compiles(epoch_days, "sqlite")
def _epoch_days_sqlite(element, compiler, **kw):
    return f"(julianday({compiler.process(element.clauses, **kw)}) - {UNIX_EPOCH_JULIAN})"


def _is_date(element):
    """True when the single argument is a DATE (not a timestamp)."""
    return isinstance(list(element.clauses)[0].type, Date)


@compiles(epoch_days, "postgresql")
def _epoch_days_postgres(element, compiler, **kw):
    arg = compiler.process(element.clauses, **kw)
    if _is_date(element):  # a date counts from midnight UTC, whatever the session's time zone
        arg = f"CAST({arg} AS TIMESTAMP)"
    return f"(EXTRACT(EPOCH FROM {arg}) / 86400.0)"


class month_of(FunctionElement):
    """'YYYY-MM' of a date or timestamp column (UTC)."""

    type = String()
    inherit_cache = True
    name = "month_of"


@compiles(month_of, "sqlite")
def _month_sqlite(element, compiler, **kw):
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)})"


@compiles(month_of, "postgresql")
def _month_postgres(element, compiler, **kw):
    arg = compiler.process(element.clauses, **kw)
    if _is_date(element):
        return f"to_char({arg}, 'YYYY-MM')"
    return f"to_char(({arg}) AT TIME ZONE 'UTC', 'YYYY-MM')"


class epoch_hour(FunctionElement):
    """Whole hours since 1970-01-01 00:00 UTC of a timestamp column, as an integer."""

    type = Integer()
    inherit_cache = True
    name = "epoch_hour"


@compiles(epoch_hour, "sqlite")
def _epoch_hour_sqlite(element, compiler, **kw):
    # CAST truncates, which is floor for the positive values stored here
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) / 3600 AS INTEGER)"


@compiles(epoch_hour, "postgresql")
def _epoch_hour_postgres(element, compiler, **kw):
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) / 3600) AS INTEGER)"


class danish_month(FunctionElement):
    """'YYYY-MM' of the Danish (Europe/Copenhagen) month a timestamp column lies in.

    A Danish month starts at 00:00 local time: 22:00 UTC the evening before from April to
    October (summer time holds on every 1st of those months), 23:00 UTC otherwise. So the
    month of t is that of t + 2 hours when that lands in April–October, else that of t + 1 hour
    (SQLite has no time zones; PostgreSQL converts directly).
    """

    type = String()
    inherit_cache = True
    name = "danish_month"


@compiles(danish_month, "sqlite")
def _danish_month_sqlite(element, compiler, **kw):
    arg = compiler.process(element.clauses, **kw)
    return (f"(CASE WHEN strftime('%m', {arg}, '+2 hours') BETWEEN '04' AND '10' "
            f"THEN strftime('%Y-%m', {arg}, '+2 hours') ELSE strftime('%Y-%m', {arg}, '+1 hours') END)")


@compiles(danish_month, "postgresql")
def _danish_month_postgres(element, compiler, **kw):
    arg = compiler.process(element.clauses, **kw)
    return f"to_char(({arg}) AT TIME ZONE 'Europe/Copenhagen', 'YYYY-MM')"
