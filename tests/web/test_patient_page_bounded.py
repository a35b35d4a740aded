"""The patient page does not grow with the pathway: paged timeline, grouped repeats, flat queries."""
import re

from sqlalchemy import event

from engine import service
from tests.web import aging
from tests.web import pathway_setup as setup
from webui.extensions import db
from webui.pathways import timeline


class Counted(list):
    """SQL statements of a request; equal when their number is (they show in a failure)."""

    def __eq__(self, other):
        return len(self) == len(other)


def _page(app, client, url):
    """(HTML, number of SQL statements) of one GET."""
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        body = client.get(url).get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return body, Counted(statements)


def test_timeline_is_paged_newest_first_and_groups_repeated_activities(app, client, auth):
    with app.app_context():
        pathway = aging.to_ustabil()
        for _ in range(5):
            setup.complete(pathway.id, "ustabil_aktivitet")
        patient_id = pathway.patient_id
    auth.login("psyk.kbh")
    body = client.get(f"/patienter/{patient_id}").get_data(as_text=True)
    lines = body.split('id="timeline"')[1].split("</ol>")[0]
    first = lines.split("<li")[1]
    assert "Registrér aktivitet" in first and "5 registreringer" in first   # newest, grouped
    assert lines.count("Registrér aktivitet") == 1
    assert lines.index("Opstartsvurdering") < lines.index("Visitation")    # newest first
    assert 'id="timeline-older"' not in body                             # all fits on one page


def test_page_size_queries_are_the_same_for_an_old_pathway(app, client, auth):
    with app.app_context():
        fresh = aging.to_ustabil(cpr="0101901235", name="Frida Frisk")
        old = aging.to_ustabil(cpr="0202802468", name="Arne Aldren")
        aging.age(old.id, 40)
        ids = (fresh.patient_id, old.patient_id)
    auth.login("psyk.kbh")
    fresh_body, fresh_queries = _page(app, client, f"/patienter/{ids[0]}")
    old_body, old_queries = _page(app, client, f"/patienter/{ids[1]}")
    assert old_queries == fresh_queries, (fresh_queries, old_queries)
    assert len(old_body) < len(fresh_body) * 1.5
    assert old_body.split('id="timeline"')[1].count("<li") <= timeline.PAGE_SIZE
    older = re.search(r'id="timeline-older" href="([^"]+)"', old_body).group(1)
    older_body, older_queries = _page(app, client, older.replace("&amp;", "&"))
    assert older_queries == old_queries
    assert "Fasevurdering" in older_body.split('id="timeline"')[1]


def test_group_folds_only_neighbouring_completions_of_one_task():
    class R:
        def __init__(self, id, kind, spec, data=None):
            self.id, self.kind, self.task_spec, self.stage, self.at = id, kind, spec, "ustabil", id
            self.data = data or {}
    rows = [R(9, "task", "act"), R(8, "stage", "ustabil", {"from": "ustabil", "to": "ustabil"}),
            R(7, "task", "act"), R(6, "task", "assess"), R(5, "task", "act")]
    entries, last, full = timeline.group(rows, size=2)
    assert [(e.first.id, e.count) for e in entries] == [(9, 2), (6, 1)]
    assert last == 6 and full              # the next page starts below the last row shown


def _timeline_lines(body):
    return body.split('id="timeline"')[1].split("</ol>")[0].count("<li")


def test_fifty_registrations_in_a_row_leave_room_for_twenty_lines(app, client, auth, monkeypatch):
    with app.app_context():
        pathway = aging.to_ustabil()
        setup.complete(pathway.id, "ustabil_vurdering", {"phase_decision": "stabil"})
        for _ in range(4):  # alternate, so there is history older than the run
            setup.complete(pathway.id, "stabil_aktivitet")
            setup.complete(pathway.id, "stabil_vurdering", {"phase_decision": "ustabil"})
            setup.complete(pathway.id, "ustabil_vurdering", {"phase_decision": "stabil"})
        setup.complete(pathway.id, "stabil_vurdering", {"phase_decision": "ustabil"})
        for _ in range(50):
            setup.complete(pathway.id, "ustabil_aktivitet")
        patient_id, pathway_id = pathway.patient_id, pathway.id
    auth.login("psyk.kbh")
    monkeypatch.setattr(timeline, "RAW_LIMIT", 7)  # the run reaches far past the rows read
    body, queries = _page(app, client, f"/patienter/{patient_id}")
    lines = body.split('id="timeline"')[1].split("</ol>")[0]
    first = lines.split("<li")[1]
    assert "Registrér aktivitet" in first and "50 registreringer" in first, first
    assert _timeline_lines(body) == timeline.PAGE_SIZE, lines
    older = re.search(r'id="timeline-older" href="([^"]+)"', body).group(1)
    older_body = client.get(older.replace("&amp;", "&")).get_data(as_text=True)
    assert "50 registreringer" not in older_body  # the run is one line, on page 1 only
    with app.app_context():  # every line of every page, in order, is the whole history
        seen, cursor, pages = 0, None, 0
        while True:
            entries, cursor = timeline.page(db.session, pathway_id, cursor)
            assert len(entries) == timeline.PAGE_SIZE or cursor is None
            seen += sum(e.count for e in entries)
            pages += 1
            if cursor is None:
                break
        done = sum(1 for r in service.history(db.session, pathway_id)
                   if not timeline._is_repeat(r))
    assert seen == done and pages >= 2


def test_a_run_straddling_a_page_boundary_is_one_line(app, monkeypatch):
    with app.app_context():
        pathway = aging.to_ustabil()
        for _ in range(12):
            setup.complete(pathway.id, "ustabil_aktivitet")
        for _ in range(3):  # newer single lines (assessments and phase changes)
            setup.complete(pathway.id, "ustabil_vurdering", {"phase_decision": "stabil"})
            setup.complete(pathway.id, "stabil_vurdering", {"phase_decision": "ustabil"})
        everything, _ = timeline.page(db.session, pathway.id, size=1000)
        at = next(i for i, e in enumerate(everything) if e.first.task_spec == "ustabil_activity")
        assert everything[at].count == 12
        monkeypatch.setattr(timeline, "RAW_LIMIT", 5)  # the run crosses several batches
        entries, cursor = timeline.page(db.session, pathway.id, size=at + 1)
        assert [(e.first.id, e.count) for e in entries] == [
            (e.first.id, e.count) for e in everything[:at + 1]]
        rest, _ = timeline.page(db.session, pathway.id, cursor)
        assert rest and all(e.first.task_spec != "ustabil_activity" for e in rest)
        assert [(e.first.id, e.count) for e in rest] == [
            (e.first.id, e.count) for e in everything[at + 1:at + 1 + len(rest)]]
