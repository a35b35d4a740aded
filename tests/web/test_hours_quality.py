"""The quality view: delivered contact hours against the frames, per unit and per tier."""
import importlib.util
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, select

from engine import clock
from engine.models import PhaseStay
from tests.benchmarks import hours_view
from tests.web import aging
from tests.web import pathway_setup as setup
from webui.dashboards import filters as flt
from webui.dashboards import hours
from webui.extensions import db

UNIT = "region-hovedstaden"  # the demo tovholder's organisation


def _pathway(cpr, name, tier, activities):
    """Through Opstart at `tier` into Ustabil, register activities, then move on to Stabil."""
    pathway = setup.to_opstart(cpr=cpr, name=name)
    for form_id in aging.OPSTART_TOOLS:
        setup.complete(pathway.id, form_id)
    setup.complete(pathway.id, "opstart_vurdering", {"phase_decision": "ustabil", "complexity_tier": tier},
                   actor="tovholder.kbh")
    for minutes in activities:
        setup.complete(pathway.id, "ustabil_aktivitet", {"activity_type": "behandlingssamtale",
                                                          "duration_minutes": minutes})
    setup.complete(pathway.id, "ustabil_vurdering", {"phase_decision": "stabil"}, actor="tovholder.kbh")
    return pathway.id


def test_hours_against_frames_per_unit_and_tier(app, client, auth):
    with app.app_context():
        _pathway("0101901235", "Hanne Høj", "hoej", [720, 720, 720])   # 36 h: over 23.5 h + 20 %
        _pathway("0202802468", "Lars Lav", "lav", [60])                # 1 h: under, the stay ended
        rows = {(r["unit"], r["tier"]): r for r in hours.compute(flt.Filters())}
        high, low = rows[UNIT, "hoej"], rows[UNIT, "lav"]
        # each: an ended Ustabil stay (frame 23.5 h) and the Stabil stay going on now (28.5 h)
        assert (high["stays"], high["ended"], high["planned"], high["used"]) == (2, 1, 52.0, 36.0)
        assert (high["over"], high["under"]) == (1, 0)
        assert (low["stays"], low["ended"], low["used"], low["over"], low["under"]) == (2, 1, 1.0, 0, 1)
        # the tier filter of the leads' views applies
        assert {r["tier"] for r in hours.compute(flt.Filters(tier="lav"))} == {"lav"}
        # and the period: stays that began in it (Danish days)
        today = clock.today()
        assert hours.compute(flt.Filters(date_from=today - timedelta(days=1), date_to=today))
        assert hours.compute(flt.Filters(date_from=today + timedelta(days=1))) == []
    auth.login("leder")
    page = client.get("/overblik/kvalitet").get_data(as_text=True)
    table = page.split('id="hours"')[1].split("</table>")[0]
    # two stays per row: the counts are rounded to 5 (rounding.py) and, with fewer than 10
    # (rounded) stays, the hours are hidden
    row = table.split(f'data-unit="{UNIT}" data-tier="hoej">', 1)[1].split("</tr>", 1)[0]
    stays = row.split('data-col="stays">', 1)[1].split("<", 1)[0]
    assert stays in ("0", "5") and 'data-col="used">–<' in row
    csv = client.get("/overblik/csv/kontakttimer.csv").get_data(as_text=True)
    assert csv.splitlines()[0].lstrip("\ufeff").startswith("unit;name;tier;stays") and "hoej" in csv
    auth.logout()
    auth.login("psyk.kbh")  # a clinician has no access to the leads' views
    assert client.get("/overblik/kvalitet").status_code in (403, 404)


def test_the_benchmark_runs_at_a_small_size():
    result = hours_view.measure(pathways=200, repeat=1)
    assert result["stays"] > 0 and result["hours_ms"] > 0


def test_the_migration_backfills_the_stays_the_engine_keeps(app):
    spec = importlib.util.spec_from_file_location(
        "m0924", Path(__file__).parents[2] / "webui/migrations/versions/0924_intensity_schedule.py")
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with app.app_context():
        _pathway("0101901235", "Hanne Høj", "hoej", [720, 45])
        columns = ("pathway_id", "stage", "start_run_no", "minutes", "contacts")
        kept = sorted(tuple(getattr(s, c) for c in columns) + (s.ended_at is None,)
                      for s in db.session.scalars(select(PhaseStay)))
        assert ("ustabil", 765) in {(k[1], k[3]) for k in kept}  # 720 + 45 minutes
        db.session.execute(delete(PhaseStay))
        migration._backfill(db.session.connection(), PhaseStay.__table__)
        rebuilt = sorted(tuple(getattr(s, c) for c in columns) + (s.ended_at is None,)
                         for s in db.session.scalars(select(PhaseStay)))
        assert rebuilt == kept
