"""The patient page does not grow with the pathway: paged timeline, grouped repeats, flat queries."""
import re

from sqlalchemy import event

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
    entries, last = timeline.group(rows, size=2)
    assert [(e.first.id, e.count) for e in entries] == [(9, 2), (6, 1)]
    assert last == 6                       # the next page starts below the last row shown
