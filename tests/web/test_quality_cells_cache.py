"""The quality page's rounded cells are reused between requests while the data is the same,
and counted afresh after any write through the ORM (webui/dashboards/cells_cache.py)."""
from datetime import date

from engine.models import Pathway
from tests.web import dashboard_data
from tests.web.dashboard_data import at
from webui.dashboards import cells_cache, quality_data
from webui.dashboards import filters as flt
from webui.demo.seed import seed_organisations
from webui.extensions import db


def _guarantee(app):
    """(numerator, denominator) of the guarantee over the whole country, and the cached entry."""
    row = next(r for r in quality_data(flt.Filters(), dashboard_data.TODAY)["indicators"]
               if r["key"] == "guarantee")
    return (row["numerator"], row["denominator"]), app.extensions["dashboard_cells"]["quality"]


def test_the_cells_are_reused_and_recounted_after_a_write(app):
    app.config["DASHBOARD_TODAY"] = dashboard_data.TODAY
    with app.test_request_context():
        seed_organisations()
        ids = dashboard_data.load(deploy=False)
        db.session.commit()
        first, entry = _guarantee(app)
        assert first == (0, 0)  # 1 met, 2 breached: both round to 0
        again, same = _guarantee(app)
        assert again == first and same is entry  # nothing written: the same cells
        template = db.session.get(Pathway, ids["A"])
        added = []
        for day in range(2, 8):  # six more kept guarantees in April (inserted through the ORM)
            pathway = Pathway(patient_id=template.patient_id, version_id=template.version_id,
                              status="active", stage="opstart", group_no=1,
                              region_org="region-hovedstaden", municipality_org="kommune-koebenhavn",
                              started_at=at(f"2025-04-0{day}"), guarantee_due=date(2025, 4, 14 + day),
                              treatment_started_at=at(f"2025-04-{day + 3:02d}"),
                              guarantee_status="met", guarantee_decided_on=date(2025, 4, day + 3))
            db.session.add(pathway)
            added.append(pathway)
        db.session.commit()
        assert _guarantee(app)[0] == (5, 5)  # met 7 → 5; breached 2 → 0
        for pathway in added:  # an ORM update (no new row): the lock_version moves
            pathway.guarantee_status = "breached"
            pathway.guarantee_decided_on = pathway.guarantee_due
        db.session.commit()
        assert _guarantee(app)[0] == (0, 10)  # met 1 → 0; breached 8 → 10
        cells_cache.clear()
        assert _guarantee(app)[0] == (0, 10)  # counted afresh: the same figures
