"""AUDIT and DUDIT from home, scored on the server by their published rules; the zone comes from
the `home_triage` decision table in the versioned definitions; Danish public holidays."""
import html
from datetime import date

import pytest
from flask import session
from flask_babel import gettext
from sqlalchemy import select

from engine import service
from tests.web import pathway_setup as setup
from tests.web.test_patient_area import _two_patients, activate, new_code
from webui.common.holidays import add_working_days, easter_sunday, public_holidays
from webui.extensions import db
from webui.patient import instruments
from webui.patient.models import FollowUp, Questionnaire

# hand-computed: items 1-8 score 0-4, items 9-10 score 0, 2 or 4
AUDIT_SETS = [
    ((1, 1, 0, 0, 0, 0, 0, 0, 0, 0), 2, "I", "green"),
    ((2, 2, 1, 1, 1, 1, 0, 0, 0, 2), 10, "II", "yellow"),
    ((2, 2, 2, 2, 2, 2, 2, 2, 0, 2), 18, "III", "yellow"),
    ((4, 3, 2, 1, 0, 1, 2, 3, 2, 4), 22, "IV", "red"),
    ((4, 4, 4, 4, 4, 4, 4, 4, 4, 4), 40, "IV", "red"),
]
# DUDIT: items 1-9 score 0-4, items 10-11 score 0, 2 or 4; the cut-off follows the patient's sex
DUDIT_SETS = [
    ((1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0), "M", 3, "ingen", "green"),
    ((1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0), "K", 3, "problemer", "yellow"),
    ((2, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0), "M", 6, "problemer", "yellow"),
    ((4, 4, 4, 4, 2, 2, 2, 2, 0, 2, 0), "K", 26, "afhaengighed", "red"),
    ((0,) * 11, "K", 0, "ingen", "green"),
]


def _form(prefix, points):
    return {f"{prefix}_{i}": str(p) for i, p in enumerate(points, start=1)}


@pytest.mark.parametrize(("points", "total", "band", "zone"), AUDIT_SETS)
def test_audit_scored_by_hand(app, points, total, band, zone):
    with app.app_context():
        setup.ensure_deployed()
        result = instruments.score("audit", instruments.parse("audit", _form("audit", points)))
    assert (result["raw"], result["band"], result["zone"]) == (total, band, zone)


@pytest.mark.parametrize(("points", "sex", "total", "band", "zone"), DUDIT_SETS)
def test_dudit_scored_by_hand_with_the_cut_off_by_sex(app, points, sex, total, band, zone):
    with app.app_context():
        setup.ensure_deployed()
        result = instruments.score("dudit", instruments.parse("dudit", _form("dudit", points)), sex=sex)
    assert (result["raw"], result["band"], result["zone"]) == (total, band, zone)
    assert result["cutoff"] == {"M": 6, "K": 2}[sex]


def test_out_of_range_or_missing_answers_are_refused(app):
    with app.app_context():
        setup.ensure_deployed()
        form = _form("audit", (0,) * 10)
        form["audit_9"] = "1"  # items 9 and 10 take 0, 2 or 4 only
        with pytest.raises(instruments.InvalidAnswers, match="audit_9"):
            instruments.parse("audit", form)
        del form["audit_9"]
        with pytest.raises(instruments.InvalidAnswers):
            instruments.parse("audit", form)


def test_the_deployed_table_agrees_with_the_published_who5_rules(app):
    with app.app_context():
        setup.ensure_deployed()
        for band, zone in (("likely_depression", "red"), ("poor_wellbeing", "yellow"),
                           ("good_wellbeing", "green")):
            assert instruments.triage("who5", band, False) == zone
            assert instruments.triage("who5", band, True) == "red"  # safety answers first


def test_process_owners_change_the_zones_in_the_decision_table(app):
    with app.app_context():
        setup.ensure_deployed()
        assert instruments.triage("audit", "II", False) == "yellow"
        files = {n: t.encode() for n, t in service.latest_version(db.session).files.items()}
        files["home_triage.dmn"] = files["home_triage.dmn"].replace(
            b'<outputEntry id="triage_audit_2_zone"><text>"yellow"</text>',
            b'<outputEntry id="triage_audit_2_zone"><text>"red"</text>')
        service.deploy_bundle(db.session, files, "ejer")
        db.session.commit()
        assert instruments.triage("audit", "II", False) == "red"


def test_patient_answers_audit_and_dudit_from_home_and_the_tovholder_sees_it(app, client, auth):
    a, b = _two_patients(app)
    code = new_code(client, auth, b)  # Birthe: a woman, so DUDIT's cut-off is 2
    auth.login("tovholder.kbh")
    for instrument in ("audit", "dudit"):
        assert client.post(f"/patienter/{b}/spoergeskema", data={"instrument": instrument}).status_code == 303
    assert client.post(f"/patienter/{b}/spoergeskema", data={"instrument": "nope"}).status_code == 400
    auth.logout()
    activate(client, code, "birthe.a")
    with app.app_context():
        rows = {q.instrument: q.id for q in db.session.scalars(select(Questionnaire).where(
            Questionnaire.patient_id == b))}
    page = client.get(f"/mig/skema/{rows['audit']}").get_data(as_text=True)
    assert "Hvor tit drikker du alkohol?" in page and "point)" not in page  # no points shown
    assert 'name="sex"' not in client.get(f"/mig/skema/{rows['dudit']}").get_data(as_text=True)
    bad = _form("audit", (0,) * 10) | {"audit_10": "3"}
    assert client.post(f"/mig/skema/{rows['audit']}", data=bad).status_code == 400
    assert client.post(f"/mig/skema/{rows['audit']}",
                       data=_form("audit", AUDIT_SETS[3][0])).status_code == 303
    assert client.post(f"/mig/skema/{rows['dudit']}",
                       data=_form("dudit", DUDIT_SETS[1][0])).status_code == 303
    result = client.get(f"/mig/skema/{rows['audit']}").get_data(as_text=True)
    assert 'data-zone="red"' in result and "22" in result
    with app.app_context():
        tasks = {t.zone: t for t in db.session.scalars(select(FollowUp).where(FollowUp.patient_id == b))}
        assert set(tasks) == {"red", "yellow"} and tasks["red"].reason == "audit_IV"
        assert db.session.get(Questionnaire, rows["dudit"]).result["band"] == "problemer"
    client.post("/mig/logout")
    auth.login("tovholder.kbh")
    box = client.get("/").get_data(as_text=True).split('id="followups"')[1].split("</section>")[0]
    assert "Birthe Anden" in box and "AUDIT 22 point" in box and "DUDIT 3 point" in box


def test_easter_and_the_danish_public_holidays():
    assert [easter_sunday(y) for y in (2024, 2025, 2026, 2027)] == [
        date(2024, 3, 31), date(2025, 4, 20), date(2026, 4, 5), date(2027, 3, 28)]
    names = {d: n for d, n in public_holidays(2026).items()}
    assert names[date(2026, 4, 2)] == "Skærtorsdag" and names[date(2026, 5, 14)] == "Kristi himmelfartsdag"
    assert names[date(2026, 5, 25)] == "2. pinsedag" and len(names) == 10  # no Store bededag from 2024
    assert public_holidays(2023)[date(2023, 5, 5)] == "Store bededag"


def test_three_working_days_skip_weekends_and_holidays():
    assert add_working_days(date(2026, 12, 7), 3) == date(2026, 12, 10)    # Monday → Thursday
    assert add_working_days(date(2026, 12, 4), 3) == date(2026, 12, 9)     # Friday → Wednesday
    assert add_working_days(date(2026, 12, 23), 3) == date(2026, 12, 29)   # 24th counts; 25th off, weekend
    assert add_working_days(date(2026, 4, 1), 3) == date(2026, 4, 9)       # Easter: 2, 3, 6 April off


def test_what_to_talk_about_next_time_reaches_the_tovholder_and_a_wish_for_contact_is_red(app, client, auth):
    a, _b = _two_patients(app)
    code = new_code(client, auth, a)
    auth.login("tovholder.kbh")
    for _ in range(2):
        client.post(f"/patienter/{a}/spoergeskema", data={"instrument": "naeste_samtale"})
    auth.logout()
    activate(client, code, "bent.t")
    with app.app_context():
        first, second = db.session.scalars(select(Questionnaire.id).where(
            Questionnaire.patient_id == a).order_by(Questionnaire.id)).all()
    page = client.get(f"/mig/skema/{first}").get_data(as_text=True)
    assert 'name="talk_about"' in page and "Hvad vil du gerne tale om næste gang?" in page
    assert client.post(f"/mig/skema/{first}", data={"wants_contact": "nej"}).status_code == 400
    assert client.post(f"/mig/skema/{first}", data={"talk_about": "Min søvn og medicinen",
                                                    "wants_contact": "nej"}).status_code == 303
    answer = client.post(f"/mig/skema/{second}", data={"talk_about": "Det går skidt",
                                                       "wants_contact": "ja"})
    result = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert 'id="call-now"' in result and 'data-zone="red"' in result
    with app.app_context():
        zones = [q.zone for q in db.session.scalars(select(Questionnaire).where(
            Questionnaire.patient_id == a).order_by(Questionnaire.id))]
        assert zones == ["green", "red"]
        [task] = db.session.scalars(select(FollowUp).where(FollowUp.patient_id == a))
        assert (task.zone, task.reason) == ("red", "wants_contact")
    client.post("/mig/logout")
    auth.login("tovholder.kbh")
    assert "Min søvn og medicinen" in client.get(f"/patienter/{a}/egen-side").get_data(as_text=True)
    box = client.get("/").get_data(as_text=True).split('id="followups"')[1].split("</section>")[0]
    assert "Det går skidt" in box


def test_audit_and_dudit_questions_from_home_in_english(app, client, auth):
    """Like WHO-5, the forms' texts go through the catalogue: every question and answer in English."""
    _a, b = _two_patients(app)
    code = new_code(client, auth, b)
    auth.login("tovholder.kbh")
    for instrument in ("audit", "dudit"):
        client.post(f"/patienter/{b}/spoergeskema", data={"instrument": instrument})
    auth.logout()
    activate(client, code, "birthe.a")
    assert client.post("/lang", data={"lang": "en", "next": "/mig/"}).status_code == 302
    with app.app_context():
        rows = {q.instrument: q.id for q in db.session.scalars(select(Questionnaire).where(
            Questionnaire.patient_id == b))}
        danish = {i: instruments.questions(i) for i in rows}
    for instrument, row_id in rows.items():
        page = html.unescape(client.get(f"/mig/skema/{row_id}").get_data(as_text=True))
        assert f"{instrument.upper()} (" in page and ("(alcohol)" in page or "(drugs)" in page)
        for question in danish[instrument]:
            assert question["label"] not in page
            for _value, label in question["options"]:
                assert label not in page or not any(c.isalpha() for c in label)
    audit = html.unescape(client.get(f"/mig/skema/{rows['audit']}").get_data(as_text=True))
    assert "1. How often do you have a drink containing alcohol?" in audit and "Daily or almost daily" in audit
    # the answer is scored the same whatever the language
    assert client.post(f"/mig/skema/{rows['audit']}", data=_form("audit", AUDIT_SETS[0][0])).status_code == 303


def test_a_text_without_translation_stays_danish(app):
    with app.test_request_context():
        session["lang"] = "en"
        shown = instruments.shown_questions("audit")
        assert shown[0]["label"] == "1. How often do you have a drink containing alcohol?"
        assert gettext("En tekst en procesejer netop har ændret") == "En tekst en procesejer netop har ændret"
