"""Empty every table of the demo database, keeping the schema and the migration stamp."""
from sqlalchemy import text


def wipe_all_rows(session, metadata) -> None:
    """Delete all rows of every table the models know, children first."""
    tables = list(reversed(metadata.sorted_tables))
    if session.get_bind().dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            session.execute(table.delete())
    session.commit()
