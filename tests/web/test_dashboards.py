"""Implementation leads see counts per region and group, never a patient."""
import re

from engine import clock
from engine.models import AuditEntry
from tests.web.pathway_setup import refer
from webui.extensions import db


def cell(page, region, group, column="referred"):
    """The text of one column of a region × group row of the phase-in table."""
    row = page.split(f'data-org="{region}" data-group="{group}">', 1)[1].split("</tr>", 1)[0]
    return row.split(f'data-col="{column}">', 1)[1].split("</td>", 1)[0].strip()


def test_who_may_open_the_overview(auth, client):
    for username, status in (("leder", 200), ("admin", 200), ("ejer", 403), ("psyk.kbh", 403),
                             ("rus.kbh", 403)):
        auth.login(username)
        assert client.get("/overblik/").status_code == status, username
        auth.logout()


def test_counts_per_region_and_group_without_personal_data(auth, client, app):
    with app.app_context():
        refer(cpr="0101901235", name="Bent Testesen", contacts=("psykiatri",))
        refer(cpr="0202802246", name="Else Testesen", contacts=("psykiatri", "kommune"))
        refer(cpr="0303703257", name="Ib Testesen", contacts=("kommune",))
    auth.login("leder")
    page = client.get("/overblik/").get_data(as_text=True)
    assert "Region Hovedstaden" in page and "Gruppe 3" in page
    assert "Testesen" not in page and "0101901235" not in page
    # one referral per group (the group follows from the contacts at referral): the three
    # cells' running total 1, 2, 3 rounds to 0, 0, 5 (rounding.py), so one group shows 5
    shown = [cell(page, "region-hovedstaden", group) for group in (1, 2, 3)]
    assert sorted(shown) == ["0", "0", "5"], shown
    for group in (1, 2, 3):
        assert cell(page, "region-sjaelland", group) == "0"
    with app.app_context():
        assert db.session.query(AuditEntry).filter_by(action="view_dashboard").count() == 1


def test_the_enrolment_chart_has_a_table_with_the_same_figures(auth, client, app):
    with app.app_context():
        for n in range(5):
            refer(cpr=f"010190123{n}", name=f"Patient {n}", contacts=("psykiatri",))
    auth.login("leder")
    page = client.get("/overblik/").get_data(as_text=True)
    assert 'id="enrolment-table"' in page and "<summary>Tabel</summary>" in page
    month = clock.today().strftime("%Y-%m")
    row = re.search(rf'<tr data-group="1" data-month="{month}">(.*?)</tr>', page, re.S).group(1)
    cells = re.findall(r'<td class="n">([^<]*)</td>', row)
    assert cells[:2] == ["5", "5"]          # the month's referrals and the cumulative count
