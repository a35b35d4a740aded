"""SQLite, the embedded default: write-ahead log, synchronous=FULL unless configured otherwise.

Every page that reads patient data writes an audit row and commits. In SQLite's default
rollback-journal mode each commit waits for the disk (fsync) several times; on the shared
development machine that was 25-35 ms of the patient's start page (tests/benchmarks/
patient_home.py --profile). In WAL mode a commit is one append to the log and, with the
default synchronous=FULL, one fsync of it: nothing committed is lost, even on a power cut.
`SQLITE_SYNCHRONOUS = "NORMAL"` syncs only at checkpoints (faster; a power cut, not a killed
process, may then lose the last commits). Readers no longer block the writer either.
PostgreSQL (production) is not touched. Turn WAL off with `SQLITE_WAL = False` (docs/performance.md).
"""
from sqlalchemy import event

_SYNCHRONOUS = {"FULL", "NORMAL"}


def _pragmas(synchronous):
    def apply(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()
    return apply


def tune(app, db) -> None:
    """Register the pragmas on the app's SQLite file engine (nothing for other databases)."""
    url = str(app.config.get("SQLALCHEMY_DATABASE_URI", ""))
    if not app.config.get("SQLITE_WAL", True) or not url.startswith("sqlite") or ":memory:" in url \
            or url.rstrip("/") == "sqlite:":
        return
    synchronous = str(app.config.get("SQLITE_SYNCHRONOUS", "FULL")).upper()
    if synchronous not in _SYNCHRONOUS:
        raise ValueError(f"SQLITE_SYNCHRONOUS must be FULL or NORMAL, not {synchronous!r}")
    with app.app_context():
        event.listen(db.engine, "connect", _pragmas(synchronous))
