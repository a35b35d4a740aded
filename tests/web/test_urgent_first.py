"""A same-day safety task (high suicide risk) is marked urgent, in text and icon, and sorts first."""
from datetime import UTC, datetime, timedelta

from tests.web import bulk
from tests.web import pathway_setup as setup
from webui.extensions import db


def _rows(body):
    return body.split('<tbody>', 1)[1].split("</tbody>", 1)[0].split("<tr")[1:]


def _high_risk(app):
    """Many older overdue tasks in the same organisation, then a patient at high risk."""
    with app.app_context():
        pathway = setup.to_opstart(name="Ulrik Haster")
        setup.complete(pathway.id, "selvmordsrisiko", {"suicide_risk_level": "hoej",
                                                       "actions": "Set af vagtlæge"})
        item = setup.item_for(pathway.id, "selvmordsrisiko_akut")
        assert item.urgent
        assert not any(i.urgent for i in setup.open_items(pathway.id) if i.id != item.id)
        # bulk rows after the real pathway: their bare version must not be the one it starts on
        bulk.seed_pathways(db.session, 1000, now=datetime.now(UTC) - timedelta(days=90))
        return pathway.id, pathway.patient_id


def test_urgent_task_is_marked_and_first_on_worklist_patient_page_and_caseload(app, client, auth):
    pathway_id, patient_id = _high_risk(app)
    auth.login("psyk.kbh")
    for query in ("/", "/?lane=psykiatri", "/?phase=opstart"):
        body = client.get(query).get_data(as_text=True)
        rows = _rows(body)
        assert len(rows) == 25 and "overdue" in rows[1]   # a full page of older, late tasks
        first = rows[0]
        assert "Akut psykiatrisk vurdering (samme dag)" in first and "urgent" in first.split(">")[0]
        mark = first.split('urgent-mark">', 1)[1].split("</span>", 1)[0]
        assert "Haster" in mark and "<svg" in mark          # text and icon, not colour alone
        assert sum("Haster" in row for row in rows) == 1
    page = client.get(f"/patienter/{patient_id}").get_data(as_text=True)
    tasks = page.split('id="open-tasks"', 1)[1].split("</ul>", 1)[0].split("<li")[1:]
    assert "Haster" in tasks[0] and "samme dag" in tasks[0]
    assert all("Haster" not in task for task in tasks[1:])
    auth.logout()
    auth.login("tovholder.kbh")
    body = client.get("/mine-patienter").get_data(as_text=True)
    assert 'id="caseload-urgent"' in body and "1 med en opgave, der haster" in body
    rows = _rows(body)
    assert "Ulrik Haster" in rows[0] and "Haster</span>" in rows[0]
    with app.app_context():                   # done: the mark and the count go away
        setup.complete(pathway_id, "selvmordsrisiko_akut")
    body = client.get("/mine-patienter").get_data(as_text=True)
    assert 'id="caseload-urgent"' not in body and "urgent-mark" not in body
