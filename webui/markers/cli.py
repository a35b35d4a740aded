"""`flask markers export`: the pathway markers as CSV for national monitoring."""
import sys
from datetime import date, datetime, time

import click
from flask.cli import AppGroup

from engine.audit import record
from engine.clock import as_utc
from webui.dashboards.spreadsheet import csv_text
from webui.extensions import db
from webui.markers.backfill import backfill
from webui.markers.export import CSV_HEADER, csv_rows

markers_cli = AppGroup("markers", help="Pathway markers (forløbsmarkører).")


def _day(_ctx, _param, value):
    if value is None:
        return None
    try:
        return as_utc(datetime.combine(date.fromisoformat(value), time.min))
    except ValueError:
        raise click.BadParameter("a date, YYYY-MM-DD") from None


@markers_cli.command("export")
@click.option("--org", "org_code", default=None, help="Only pathways this organisation takes part in.")
@click.option("--since", callback=_day, help="From this UTC day (inclusive).")
@click.option("--until", callback=_day, help="Until this UTC day (exclusive).")
def export_command(org_code, since, until):
    """Print every marker (one row each, no name or CPR) as semicolon-separated CSV."""
    rows = csv_rows(db.session, org_code, since, until)
    record(db.session, "cli", "export_markers", detail=f"org={org_code or '*'} since={since} until={until} "
                                                      f"rows={len(rows)}")
    db.session.commit()
    sys.stdout.write(csv_text(CSV_HEADER, rows).lstrip("\ufeff"))


@markers_cli.command("backfill")
def backfill_command():
    """Add the markers of history written before markers were recorded (safe to run again)."""
    added = backfill(db.session)
    record(db.session, "cli", "backfill_markers", detail=f"added={added}")
    db.session.commit()
    click.echo(f"{added} markers added.")
