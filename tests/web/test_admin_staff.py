"""Administrators create staff accounts for any organisation and set roles on a page, audited."""
import pytest
from sqlalchemy import select

from engine.models import AuditEntry
from webui.extensions import db
from webui.models import Organisation, User

NEW = {"username": "psyk.nord", "full_name": "Nina Nordjylland", "organisation": "region-nordjylland",
       "roles": ["regional_clinician"], "password": "langt-kodeord-1", "password2": "langt-kodeord-1"}


def _user(app, username):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        return (user.id, user.organisation_code, user.roles_csv, user.active) if user else None


def _audit(app, action):
    with app.app_context():
        return [e.detail for e in db.session.scalars(select(AuditEntry).where(AuditEntry.action == action))]


def test_an_administrator_creates_a_user_for_another_region_who_can_log_in(app, client, auth):
    auth.login("admin")
    page = client.get("/admin/users").get_data(as_text=True)
    assert 'action="/admin/users"' in page and "Region Nordjylland" in page
    response = client.post("/admin/users", data=NEW)
    assert response.status_code == 303
    assert _user(app, "psyk.nord")[1:] == ("region-nordjylland", "regional_clinician", True)
    [detail] = _audit(app, "create_user")
    assert "user=psyk.nord" in detail and "langt-kodeord" not in detail
    auth.logout()
    auth.login("psyk.nord", "langt-kodeord-1")


@pytest.mark.parametrize("change,reason", [
    ({"username": "X y"}, "Brugernavnet skal være"),
    ({"username": "ejer"}, "findes allerede"),
    ({"organisation": "region-atlantis"}, "Vælg en organisation"),
    ({"roles": []}, "Vælg mindst én rolle"),
    ({"roles": ["overlord"]}, "Vælg mindst én rolle"),
    ({"password": "kort", "password2": "kort"}, "mindst 10 tegn"),
    ({"password2": "noget-andet-1"}, "ikke ens"),
])
def test_bad_input_is_refused_with_a_reason_and_nothing_is_created(app, client, auth, change, reason):
    auth.login("admin")
    response = client.post("/admin/users", data={**NEW, **change})
    assert response.status_code == 422 and reason in response.get_data(as_text=True)
    assert _user(app, "psyk.nord") is None and _audit(app, "create_user") == []


def test_a_unit_can_be_chosen_and_roles_changed_audited(app, client, auth):
    with app.app_context():
        db.session.add(Organisation(code="enhed-test", name="Testenheden", kind="unit", region="hovedstaden",
                                    parent_code="region-hovedstaden"))
        db.session.commit()
    auth.login("admin")
    client.post("/admin/users", data={**NEW, "organisation": "enhed-test"})
    user_id = _user(app, "psyk.nord")[0]
    assert "Testenheden" in client.get(f"/admin/users/{user_id}").get_data(as_text=True)
    response = client.post(f"/admin/users/{user_id}", data={
        "organisation": "region-nordjylland", "roles": ["regional_clinician", "tovholder"]})
    assert response.status_code == 303
    assert _user(app, "psyk.nord")[1:] == ("region-nordjylland", "regional_clinician,tovholder", False)
    [detail] = _audit(app, "update_user")
    assert "org=enhed-test" in detail and "-> org=region-nordjylland" in detail and "active=False" in detail


def test_an_administrator_cannot_lock_themselves_out(app, client, auth):
    auth.login("admin")
    admin_id, org, roles, _active = _user(app, "admin")
    response = client.post(f"/admin/users/{admin_id}", data={"organisation": org, "roles": ["tovholder"],
                                                            "active": "1"})
    assert response.status_code == 422 and "egen administratorrolle" in response.get_data(as_text=True)
    assert _user(app, "admin")[2] == roles


@pytest.mark.parametrize("who", ["ejer", "psyk.kbh", "leder"])
def test_only_administrators_reach_the_pages(app, client, auth, who):
    auth.login(who)
    assert client.post("/admin/users", data=NEW).status_code == 403
    assert client.get(f"/admin/users/{_user(app, 'admin')[0]}").status_code == 403
    assert _user(app, "psyk.nord") is None
