"""The answers' trend is a server-rendered SVG on the patient's page and the staff page."""
import re

from tests.web.test_patient_contacts_answers import _answer_form, _setup_patient


def _svg(page):
    return page.split('id="who5-trend"')[1].split("</figure>")[0]


def test_trend_chart_for_patient_and_tovholder(app, client, auth):
    a, _b, own, _other = _setup_patient(app, client, auth)
    assert 'id="who5-trend"' not in client.get("/mig/").get_data(as_text=True)  # no answers yet
    client.post(f"/mig/skema/{own[0]}", data=_answer_form((2, 2, 2, 2, 2)))   # 40: yellow
    client.post(f"/mig/skema/{own[1]}", data=_answer_form((4, 4, 4, 3, 3)))   # 72: green
    svg = _svg(client.get("/mig/").get_data(as_text=True))
    values = re.findall(r'<circle [^>]*data-zone="(\w+)" data-value="(\d+)"', svg)
    assert values == [("yellow", "40"), ("green", "72")]          # oldest first
    assert 'role="img"' in svg and "<desc" in svg and ": 40; " in svg  # a text alternative
    assert "<script" not in svg and "src=" not in svg and "href" not in svg  # nothing fetched
    client.post("/mig/logout")
    auth.login("tovholder.kbh")
    staff = _svg(client.get(f"/patienter/{a}/egen-side").get_data(as_text=True))
    assert re.findall(r'data-value="(\d+)"', staff) == ["40", "72"]
