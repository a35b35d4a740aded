"""Organisations are reference data: codes, parents, units; every organisation name is checked."""
import importlib.util
from pathlib import Path

from sqlalchemy import func, select

from engine.models import AuditEntry
from tests.web.pathway_setup import ensure_deployed
from tests.web.test_referral import FORM
from webui import organisations
from webui.extensions import db
from webui.models import Organisation

MIGRATION = Path(__file__).resolve().parents[2] / "webui/migrations/versions/0500_organisations.py"


def test_migration_loads_regions_and_municipalities_with_official_codes(app):
    spec = importlib.util.spec_from_file_location("m0500", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with app.app_context():
        db.session.add(Organisation(code="kommune-koebenhavn", name="old", kind="municipality",
                                    region="hovedstaden"))  # an existing row is updated, not duplicated
        db.session.commit()
        migration.load_reference_data(db.session.connection())
        db.session.commit()
        count = lambda kind: db.session.scalar(  # noqa: E731
            select(func.count()).select_from(Organisation).where(Organisation.kind == kind))
        assert (count("region"), count("municipality")) == (5, 98)
        assert [o.official_code for o in organisations.regions()] == [1081, 1082, 1083, 1084, 1085]
        kbh = db.session.get(Organisation, "kommune-koebenhavn")
        assert (kbh.official_code, kbh.parent_code, kbh.short_name) == (101, "region-hovedstaden", "København")
        assert db.session.get(Organisation, "kommune-hoeje-taastrup").official_code == 169
        assert len(organisations.municipalities("nordjylland")) == 11


def test_referral_choices_come_from_the_table_and_are_checked(app, client, auth):
    with app.app_context():
        ensure_deployed()
        db.session.get(Organisation, "kommune-gentofte").active = False
        db.session.commit()
    auth.login("psyk.kbh")
    page = client.get("/henvisning").get_data(as_text=True)
    assert 'value="hoeje-taastrup"' in page and "Høje-Taastrup" in page
    assert 'value="gentofte"' not in page
    assert client.post("/henvisning", data={**FORM, "municipality": "gentofte"}).status_code == 400
    assert client.post("/henvisning", data={**FORM, "municipality": "aalborg"}).status_code == 400
    response = client.post("/henvisning", data={**FORM, "municipality": "hoeje-taastrup"})
    assert response.status_code == 302


def test_administrators_add_and_deactivate_treatment_units(app, client, auth):
    auth.login("leder")
    assert client.get("/admin/organisationer").status_code == 403
    auth.logout()
    auth.login("admin")
    page = client.get("/admin/organisationer").get_data(as_text=True)
    assert "1084" in page and "kommune-koebenhavn" in page
    bad = client.post("/admin/organisationer", data={"name": "X", "parent": "kommune-atlantis"})
    assert bad.status_code == 303
    response = client.post("/admin/organisationer", data={"name": "Rusmiddelcenter Nord",
                                                          "parent": "kommune-aalborg"})
    assert response.status_code == 303
    with app.app_context():
        unit = db.session.get(Organisation, "enhed-rusmiddelcenter-nord")
        assert (unit.kind, unit.parent_code, unit.region) == ("unit", "kommune-aalborg", "nordjylland")
        assert organisations.eligible(unit.code, ("unit",), "nordjylland")
        assert db.session.scalar(select(func.count()).select_from(Organisation).where(
            Organisation.name == "X")) == 0
    client.post("/admin/organisationer/enhed-rusmiddelcenter-nord/aktiv")
    assert client.post("/admin/organisationer/region-hovedstaden/aktiv").status_code == 303
    with app.app_context():
        assert organisations.get("enhed-rusmiddelcenter-nord") is None  # inactive
        assert organisations.get("region-hovedstaden") is not None     # reference rows stay
        actions = {a.action for a in db.session.query(AuditEntry)}
        assert {"add_organisation", "toggle_organisation"} <= actions
