"""SQLite, the embedded default: write-ahead log with synchronous=NORMAL.

Every page that reads patient data writes an audit row and commits. In SQLite's default
rollback-journal mode each commit waits for the disk (fsync) several times; on the shared
development machine that was 25-35 ms of the patient's start page (tests/benchmarks/
patient_home.py --profile). In WAL mode with synchronous=NORMAL a commit appends to the log
and the disk is synced at checkpoints: the database stays consistent after a crash of the
process or the machine, and a power cut can lose only the last commits. Readers no longer
block the writer either. PostgreSQL (production) is not touched. Turn it off with
`SQLITE_WAL = False` (docs/performance.md).
"""
from sqlalchemy import event


def _pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def tune(app, db) -> None:
    """Register the pragmas on the app's SQLite file engine (nothing for other databases)."""
    url = str(app.config.get("SQLALCHEMY_DATABASE_URI", ""))
    if not app.config.get("SQLITE_WAL", True) or not url.startswith("sqlite") or ":memory:" in url \
            or url.rstrip("/") == "sqlite:":
        return
    with app.app_context():
        event.listen(db.engine, "connect", _pragmas)
