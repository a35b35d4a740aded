"""Staff competencies and supervision: recording, refusals, the unit view, and who sees what."""
from datetime import date, timedelta

from sqlalchemy import func, select

from engine import clock
from engine.models import AuditEntry
from webui.competencies.models import StaffCompetence, SupervisionSession
from webui.demo.intensity import seed_competencies
from webui.extensions import db
from webui.models import User


def _id(app, username):
    with app.app_context():
        return db.session.scalar(select(User.id).filter_by(username=username))


def _count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _add(client, user_id, **fields):
    data = {"method": "kat", "level": "certified", "certified_on": "2025-03-01",
            "renewal_due": "2027-03-01"}
    data.update(fields)
    return client.post(f"/kompetencer/medarbejder/{user_id}/kompetence", data=data)


def test_lead_records_a_competence_and_the_staff_member_sees_it(app, client, auth):
    pia = _id(app, "psyk.kbh")
    auth.login("leder")
    assert _add(client, pia).status_code == 303
    assert client.post(f"/kompetencer/medarbejder/{pia}/supervision", data={
        "kind": "method", "method": "kat", "held_on": "2025-05-02", "supervisor": "Supervisor S",
        "notes": "Arbejder med eksponering"}).status_code == 303
    auth.logout()
    auth.login("psyk.kbh")
    page = client.get(f"/kompetencer/medarbejder/{pia}").get_data(as_text=True)
    assert "KAT (kognitiv adfærdsterapi)" in page and "Certificeret" in page and "2027-03-01" in page
    assert "Arbejder med eksponering" in page
    assert 'id="competence-form"' not in page  # staff do not record their own
    assert client.get("/kompetencer/", follow_redirects=False).status_code == 302
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"add_competence", "add_supervision", "view_competencies"} <= actions


def test_bad_input_is_refused_with_a_reason_and_nothing_is_saved(app, client, auth):
    pia = _id(app, "psyk.kbh")
    auth.login("admin")
    future = (clock.today() + timedelta(days=3)).isoformat()
    response = _add(client, pia, certified_on=future, renewal_due="")
    assert response.status_code == 400
    assert "Certificeringsdatoen kan ikke ligge i fremtiden." in response.get_data(as_text=True)
    response = _add(client, pia, certified_on="2025-03-01", renewal_due="2025-01-01")
    assert response.status_code == 400
    assert "Fornyelsesdatoen skal ligge efter certificeringsdatoen." in response.get_data(as_text=True)
    for bad in ({"method": "yoga"}, {"level": "guru"}, {"certified_on": "1. marts"},
                {"certified_on": ""}):
        assert _add(client, pia, **bad).status_code == 400
    response = client.post(f"/kompetencer/medarbejder/{pia}/supervision",
                           data={"kind": "case", "held_on": future})
    assert response.status_code == 400
    assert "fremtiden" in response.get_data(as_text=True)
    assert _count(app, StaffCompetence) == 0 and _count(app, SupervisionSession) == 0


def test_colleagues_never_see_each_others_page_or_supervision_notes(app, client, auth):
    pia, tove = _id(app, "psyk.kbh"), _id(app, "tovholder.kbh")
    auth.login("admin")
    client.post(f"/kompetencer/medarbejder/{pia}/supervision",
                data={"kind": "case", "held_on": "2025-05-02", "notes": "Fortroligt notat"})
    auth.logout()
    auth.login("tovholder.kbh")  # same organisation, a colleague
    assert client.get(f"/kompetencer/medarbejder/{pia}").status_code == 404
    assert client.get(f"/kompetencer/medarbejder/{tove}").status_code == 200
    assert _add(client, tove).status_code == 404  # nor record their own
    assert client.get("/kompetencer/enhed/region-hovedstaden").status_code == 404
    auth.logout()
    auth.login("ejer")
    assert client.get(f"/kompetencer/medarbejder/{pia}").status_code == 404
    auth.logout()
    # not logged in (patients have no login): the login page, never the content
    response = client.get(f"/kompetencer/medarbejder/{pia}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_lead_sees_only_their_own_organisations(app, client, auth):
    karl = _id(app, "rus.kbh")  # kommune-koebenhavn, not the lead's region organisation
    auth.login("leder")
    assert client.get(f"/kompetencer/medarbejder/{karl}").status_code == 404
    assert _add(client, karl).status_code == 404
    assert client.get("/kompetencer/enhed/kommune-koebenhavn").status_code == 404
    index = client.get("/kompetencer/").get_data(as_text=True)
    assert "/kompetencer/enhed/region-hovedstaden" in index
    assert "kommune-koebenhavn" not in index
    auth.logout()
    auth.login("admin")  # administrators see every organisation
    assert client.get(f"/kompetencer/medarbejder/{karl}").status_code == 200
    assert client.get("/kompetencer/enhed/kommune-koebenhavn").status_code == 200
    assert _count(app, StaffCompetence) == 0


def test_unit_view_shows_holdings_coverage_and_renewals_due(app, client, auth):
    pia, tove = _id(app, "psyk.kbh"), _id(app, "tovholder.kbh")
    today = clock.today()
    soon = (today + timedelta(days=30)).isoformat()
    late = (today + timedelta(days=200)).isoformat()
    auth.login("leder")
    _add(client, pia, method="kat", level="certified", certified_on="2024-01-10", renewal_due=soon)
    _add(client, pia, method="mi", level="trained", certified_on="2024-01-10", renewal_due=late)
    _add(client, tove, method="dat", level="supervisor", certified_on="2023-06-01",
         renewal_due="2024-06-01")
    page = client.get("/kompetencer/enhed/region-hovedstaden").get_data(as_text=True)
    renewals = page.split('id="renewals"')[1].split("</table>")[0]
    assert 'data-user="psyk.kbh" data-method="kat"' in renewals
    assert 'data-user="tovholder.kbh" data-method="dat"' in renewals and "overskredet" in renewals
    assert 'data-method="mi"' not in renewals  # due in 200 days: outside the 90-day window
    coverage = page.split('id="coverage"')[1].split("</table>")[0]
    assert '<tr data-method="kat"><td data-label="Metode">KAT (kognitiv adfærdsterapi)</td><td data-label="Medarbejdere">1</td>' in coverage
    assert 'data-method="mi"><td data-label="Metode">MI (motiverende samtale)</td><td data-label="Medarbejdere">0</td>' in coverage
    holdings = page.split('id="holdings"')[1]
    pia_row = holdings.split('data-user="psyk.kbh"')[1].split("</tr>")[0]
    assert "Certificeret" in pia_row and "Uddannet" in pia_row


def test_a_renewed_certificate_replaces_the_old_one_in_the_unit_view(app, client, auth):
    pia = _id(app, "psyk.kbh")
    today = clock.today()
    auth.login("admin")
    _add(client, pia, certified_on="2022-01-01", renewal_due=(today - timedelta(days=5)).isoformat())
    _add(client, pia, certified_on=(today - timedelta(days=1)).isoformat(),
         renewal_due=(today + timedelta(days=700)).isoformat())
    page = client.get("/kompetencer/enhed/region-hovedstaden").get_data(as_text=True)
    assert "overskredet" not in page.split('id="renewals"')[1].split("</table>")[0]
    assert date.fromisoformat("2022-01-01") < today


def test_demo_seed_gives_competencies_once_and_the_views_have_content(app, client, auth):

    with app.app_context():
        first = seed_competencies(clock.today())
        assert first > 0 and seed_competencies(clock.today()) == 0
        db.session.commit()
    auth.login("leder")
    page = client.get("/kompetencer/enhed/region-hovedstaden").get_data(as_text=True)
    renewals = page.split('id="renewals"')[1].split("</table>")[0]
    assert 'data-user="psyk.kbh" data-method="kat"' in renewals
    assert 'data-user="tovholder.kbh" data-method="dat"' in renewals and "overskredet" in renewals


def test_the_unit_view_pages_its_staff_table(app, client, auth):
    with app.app_context():
        db.session.execute(db.insert(User), [
            {"username": f"staff{i:03d}", "full_name": f"Medarbejder {i:03d}", "password_hash": "x",
             "organisation_code": "region-hovedstaden", "roles_csv": "regional_clinician"}
            for i in range(120)])
        db.session.commit()
    auth.login("leder")
    first = client.get("/kompetencer/enhed/region-hovedstaden").get_data(as_text=True)
    second = client.get("/kompetencer/enhed/region-hovedstaden?page=2").get_data(as_text=True)
    rows = lambda page: page.split('id="holdings"')[1].count("<tr data-user=")  # noqa: E731
    assert rows(first) == 100 and rows(second) > 0
    assert rows(first) + rows(second) == 120 + 6  # the bulk staff plus the region's demo logins
    assert 'rel="next"' in first and 'rel="prev"' in second
