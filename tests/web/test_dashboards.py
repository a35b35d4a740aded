"""Implementation leads see counts per region and group, never a patient."""
import pytest

from tests.web.pathway_setup import refer
from webui.extensions import db


def cell(page, region, group):
    """The text of one region × group cell of the phase-in table."""
    marker = f'data-region="{region}" data-group="{group}">'
    return page.split(marker, 1)[1].split("</td>", 1)[0].strip()


@pytest.mark.parametrize("username, status", [
    ("leder", 200), ("ejer", 200), ("psyk.kbh", 403), ("rus.kbh", 403), ("admin", 403)])
def test_who_may_open_the_overview(auth, client, username, status):
    auth.login(username)
    assert client.get("/overblik/").status_code == status


def test_counts_per_region_and_group_without_personal_data(auth, client, app):
    with app.app_context():
        refer(cpr="0101901235", name="Bent Testesen", contacts=("psykiatri",))
        refer(cpr="0202802246", name="Else Testesen", contacts=("psykiatri", "kommune"))
        refer(cpr="0303703257", name="Ib Testesen", contacts=("kommune",))
    auth.login("leder")
    page = client.get("/overblik/").get_data(as_text=True)
    assert "Region Hovedstaden" in page and "Gruppe 3" in page
    assert "Testesen" not in page and "0101901235" not in page
    for group in (1, 2, 3):  # the group follows from the contacts at referral
        assert cell(page, "region-hovedstaden", group).startswith("1")
        assert cell(page, "region-sjaelland", group) == "0"
    with app.app_context():
        from engine.models import AuditEntry
        assert db.session.query(AuditEntry).filter_by(action="view_dashboard").count() == 1
