"""Worklist: my roles and organisation, filters, due-date order, overdue, claim/release, paging."""
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from engine.models import AuditEntry, WorklistItem
from tests.web.bulk import seed_pathways
from webui.common.timeutil import overdue_before
from webui.extensions import db
from webui.models import User
from webui.worklist.query import PAGE_SIZE, Filters, worklist_page


@pytest.fixture
def rows(app, demo_users):
    """120 bulk pathways over all demo organisations (3 open rows each)."""
    with app.app_context():
        seed_pathways(db.session, 120)
    return app


def _user(username):
    return db.session.scalar(select(User).filter_by(username=username))


def _all(user, **flags):
    """Every row of the user's worklist under some filters, following the pages."""
    items, page = [], 1
    while True:
        chunk, total = worklist_page(db.session, user, Filters(page=page, **flags))
        items += chunk
        if len(items) >= total or not chunk:
            return items, total
        page += 1


def test_rows_are_my_roles_in_my_organisation(rows):
    with rows.app_context():
        user = _user("rus.kbh")
        items, total = _all(user)
        assert total == len(items) > 0
        assert {i.org_code for i in items} == {"kommune-koebenhavn"}
        assert {i.role for i in items} == {"municipal_clinician"}
        tov, _ = _all(_user("tovholder.kbh"))
        assert {i.role for i in tov} == {"tovholder", "regional_clinician"}


def test_sorted_by_due_date(rows):
    with rows.app_context():
        items, _ = _all(_user("psyk.kbh"))
        dues = [i.due_at for i in items]
        assert dues == sorted(dues)


@pytest.mark.parametrize("flags,check", [
    ({"stage": "opstart"}, lambda i, now: i.stage == "opstart"),
    ({"lane": "tovholder"}, lambda i, now: i.lane == "tovholder"),
    # overdue: due before the start of today in Denmark (a deadline lasts its whole day)
    ({"overdue": True}, lambda i, now: _aware(i.due_at) < overdue_before(now)),
    ({"mine": True}, lambda i, now: i.assignee == "tovholder.kbh"),
    ({"unassigned": True}, lambda i, now: i.assignee is None),
    ({"waiting": True}, lambda i, now: i.kind == "wait"),
])
def test_filters(rows, flags, check):
    with rows.app_context():
        db.session.execute(WorklistItem.__table__.update().where(
            WorklistItem.assignee.is_not(None)).values(assignee="tovholder.kbh"))
        db.session.commit()
        user = _user("tovholder.kbh")
        everything, _ = _all(user)
        items, total = _all(user, **flags)
        now = datetime.now(UTC)
        assert 0 < total < len(everything)
        assert all(check(i, now) for i in items)
        assert total == sum(1 for i in everything if check(i, now))


def _aware(value):
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def test_page_shows_overdue_marks_and_paging_links(client, auth, rows):
    auth.login("psyk.kbh")
    body = client.get("/").get_data(as_text=True)
    assert body.count("<tr class=") == PAGE_SIZE
    assert 'class="overdue' in body and "Overskredet" in body
    assert re.search(r"Side 1 af \d+", body) and 'rel="next"' in body
    second = client.get("/?page=2").get_data(as_text=True)
    assert "Side 2 af" in second and 'rel="prev"' in second


def test_filter_form_keeps_choices_and_bad_values_are_ignored(client, auth, rows):
    auth.login("psyk.kbh")
    body = client.get("/?phase=opstart&lane=psykiatri&overdue=1").get_data(as_text=True)
    assert '<option value="opstart" selected>' in body and 'name="overdue" value="1" checked' in body
    assert client.get("/?phase=<script>&lane=x&page=-4").status_code == 200


def test_claim_and_release(app, client, auth, rows):
    with app.app_context():
        item = db.session.scalar(select(WorklistItem).where(
            WorklistItem.org_code == "region-hovedstaden", WorklistItem.role == "regional_clinician",
            WorklistItem.kind == "task", WorklistItem.assignee.is_(None)).limit(1))
        item_id = item.id
    auth.login("psyk.kbh")
    assert client.post(f"/worklist/{item_id}/claim", data={"next": "/?mine=1"}).headers["Location"] == "/?mine=1"
    with app.app_context():
        assert db.session.get(WorklistItem, item_id).assignee == "psyk.kbh"
    assert f'data-item="{item_id}"' in client.get("/?mine=1").get_data(as_text=True)
    client.post(f"/worklist/{item_id}/release")
    with app.app_context():
        assert db.session.get(WorklistItem, item_id).assignee is None


def test_cannot_claim_rows_of_another_organisation_or_role(app, client, auth, rows):
    with app.app_context():
        foreign = db.session.scalar(select(WorklistItem.id).where(
            WorklistItem.org_code == "kommune-koebenhavn", WorklistItem.kind == "task").limit(1))
    auth.login("rus.frb")
    assert client.post(f"/worklist/{foreign}/claim").status_code == 404
    with app.app_context():
        assert db.session.get(WorklistItem, foreign).assignee in (None, "bulk.user")


def test_worklist_view_is_audited(app, client, auth, rows):
    auth.login("rus.kbh")
    client.get("/?lane=kommune")
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "view_worklist"))
        assert entry.actor == "rus.kbh" and "kommune" in entry.detail


def test_non_clinical_roles_get_an_overview_instead(client, auth):
    auth.login("ejer")
    body = client.get("/").get_data(as_text=True)
    assert "Dine roller giver ikke adgang" in body and 'id="worklist"' not in body
