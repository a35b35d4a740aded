"""A submit reads the definition version once (it was three times: bundle, form, decisions)."""
from sqlalchemy import event

from tests.web import pathway_setup as setup
from webui.demo.filler import answers
from webui.extensions import db


def test_a_submit_reads_the_definitions_content_hash_once(app, client, auth):
    with app.app_context():
        pathway = setup.to_opstart()
        item = setup.item_for(pathway.id, "audit")
        ids = pathway.id, item.task_id, pathway.lock_version
        engine = db.engine
    auth.login("psyk.kbh")
    assert client.get(f"/forloeb/{ids[0]}/opgaver/{ids[1]}").status_code == 200  # warm caches
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.post(f"/forloeb/{ids[0]}/opgaver/{ids[1]}", data={
            "action": "complete", "lock_version": ids[2], **answers("audit")})
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    hashes = [s for s in statements if "definition_version" in s]
    assert len(hashes) == 1, "\n\n".join(hashes)
