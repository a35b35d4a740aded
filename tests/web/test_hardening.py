"""Regression tests for the web-layer review: bad ids, redirects, pathway-level access, audit."""
import importlib.util
import threading
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
from gunicorn.http import wsgi as gunicorn_wsgi
from sqlalchemy import select
from werkzeug.serving import make_server

from engine.models import AuditEntry, Pathway, TaskRecord
from engine.service import latest_version
from tests.web import pathway_setup as setup
from webui.demo.filler import answers
from webui.extensions import db

ROOT = Path(__file__).resolve().parents[2]

HUGE = "9" * 25          # beyond every integer column
ABSURD = "9" * 5000      # beyond Python's int() digit limit


def _referred(app):
    with app.app_context():
        pathway = setup.refer()
        item = next(i for i in setup.open_items(pathway.id) if i.kind == "task")
        return pathway.id, item.id, item.task_id


@pytest.mark.parametrize("number", [HUGE, ABSURD])
def test_huge_ids_in_urls_are_404_not_500(app, client, auth, number):
    pathway_id, item_id, task_id = _referred(app)
    auth.login("psyk.kbh")
    for url in (f"/patienter/{number}", f"/forloeb/{number}/diagram",
                f"/forloeb/{number}/opgaver/{task_id}", f"/forloeb/{pathway_id}/historik/{number}"):
        assert client.get(url).status_code == 404, url
    for url in (f"/worklist/{number}/claim", f"/worklist/{number}/release"):
        assert client.post(url).status_code == 404, url
    auth.logout()
    auth.login("ejer")
    assert client.get(f"/modeler/versions/{number}/edit/henvisning.bpmn").status_code == 404


@pytest.mark.parametrize("target", ["/\t/evil.example/", "/\\evil.example/", "/\\/evil.example/",
                                    "/\n/evil.example/"])
def test_next_cannot_leave_the_site(app, client, auth, target):
    _, item_id, _ = _referred(app)
    response = client.post("/login?next=" + target.replace("\t", "%09").replace("\n", "%0A")
                           .replace("\\", "%5C"),
                           data={"username": "psyk.kbh", "password": "demo1234"})
    assert response.headers["Location"] == "/"
    response = client.post(f"/worklist/{item_id}/claim", data={"next": target})
    assert response.headers["Location"] == "/"
    response = client.post("/lang", data={"lang": "da", "next": target})
    assert response.headers["Location"] == "/"


def test_local_next_still_works(app, client, auth):
    _, item_id, _ = _referred(app)
    auth.login("psyk.kbh")
    response = client.post(f"/worklist/{item_id}/claim", data={"next": "/?mine=1&page=2"})
    assert response.headers["Location"] == "/?mine=1&page=2"


@pytest.mark.parametrize("query", ["page=" + HUGE, "patient=" + HUGE, "patient=%C2%B2",
                                   "patient=%D9%A1%D9%A2"])
def test_audit_log_filters_with_odd_numbers_are_not_500(app, client, auth, query):
    auth.login("admin")
    assert client.get("/admin/audit?" + query).status_code == 200


def _moved_patient(app):
    """A patient first treated in Frederiksberg (pathway ended), then re-referred in København."""
    with app.app_context():
        old = setup.refer(municipality="frederiksberg", contacts=("kommune",), actor="rus.frb")
        old_row = db.session.get(Pathway, old.id)
        old_row.status, old_row.ended_at = "ended", datetime.now(UTC)
        db.session.commit()
        new = setup.refer(contacts=("psykiatri", "kommune"))
        setup.complete(new.id, "visitation", {"visitation_decision": "inkluderet"})
        new_record = db.session.scalar(select(TaskRecord.id).where(
            TaskRecord.pathway_id == new.id, TaskRecord.kind == "task"))
        task = next(i for i in setup.open_items(new.id) if i.kind == "task")
        return old.id, new.id, new.patient_id, new_record, task.task_id


def test_taking_part_in_an_old_pathway_does_not_open_the_new_one(app, client, auth):
    old_id, new_id, patient_id, record_id, task_id = _moved_patient(app)
    auth.login("rus.frb")
    # the patient page still shows the old pathway this organisation took part in ...
    body = client.get(f"/patienter/{patient_id}").get_data(as_text=True)
    assert f"#{old_id}" in body and f"#{new_id}" not in body
    # ... but nothing of the new pathway (diagram, task, timeline record)
    for url in (f"/forloeb/{new_id}/diagram", f"/forloeb/{new_id}/opgaver/{task_id}",
                f"/forloeb/{new_id}/historik/{record_id}"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/forloeb/{new_id}/opgaver/{task_id}",
                       data={"action": "draft"}).status_code == 404
    auth.logout()
    auth.login("rus.kbh")
    assert client.get(f"/forloeb/{new_id}/diagram").status_code == 200


def test_draft_kept_after_a_conflict_is_audited(app, client, auth):
    with app.app_context():
        pathway = setup.to_opstart()
        pathway_id, lock = pathway.id, pathway.lock_version
        task_id = setup.item_for(pathway_id, "audit").task_id
        setup.complete(pathway_id, "dudit")                # someone else moves the pathway
    auth.login("psyk.kbh")
    data = {"action": "complete", "lock_version": lock, **answers("audit")}
    assert client.post(f"/forloeb/{pathway_id}/opgaver/{task_id}", data=data).status_code == 409
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.pathway_id == pathway_id, AuditEntry.actor == "psyk.kbh")).all()
    assert "save_draft" in actions


@pytest.mark.parametrize("filename", [["henvisning.bpmn"], {"a": 1}, 5, None])
def test_modeler_deploy_with_wrong_json_types_is_400(app, client, auth, filename):
    with app.app_context():
        setup.ensure_deployed()
        version_id = latest_version(db.session).id
    auth.login("ejer")
    response = client.post(f"/modeler/versions/{version_id}/deploy",
                           json={"xml": "<x/>", "filename": filename})
    assert response.status_code == 400 and response.get_json()["ok"] is False


def test_nul_characters_are_400_not_a_database_error(app, client, auth):
    pathway_id, _, task_id = _referred(app)
    response = client.post("/login", data={"username": "psyk\x00kbh", "password": "x"})
    assert response.status_code == 400
    auth.login("psyk.kbh")
    assert client.get(f"/forloeb/{pathway_id}/opgaver/ab%00c").status_code == 400
    assert client.get("/?phase=a%00").status_code == 400
    assert client.post(f"/forloeb/{pathway_id}/opgaver/{task_id}",
                       data={"action": "draft", "visitation_note": "a\x00b"}).status_code == 400
    referral = {"cpr": "0101901236", "name": "X\x00Y", "region": "hovedstaden",
                "municipality": "koebenhavn", "contacts": "psykiatri", "referrer": "Egen læge",
                "received_at": "2026-01-01"}
    assert client.post("/henvisning", data=referral).status_code == 400
    auth.logout()
    auth.login("ejer")
    assert client.post("/modeler/versions/1/deploy", data='{"xml": "a\\u0000", "filename": "x"}',
                       content_type="application/json").status_code == 400



def test_reading_the_audit_log_for_a_patient_is_itself_audited(app, client, auth):
    with app.app_context():
        patient_id = setup.refer().patient_id
    auth.login("admin")
    assert client.get("/admin/audit?patient=010190-1235").status_code == 200
    with app.app_context():
        rows = db.session.execute(select(AuditEntry.action, AuditEntry.patient_id).where(
            AuditEntry.actor == "admin")).all()
    assert ("view_audit", patient_id) in [tuple(r) for r in rows]


def test_no_version_banner_in_the_server_header(app):
    """The dev server (as `flask run` serves the app) names no software version."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/healthz") as response:
            banner = response.headers.get_all("Server")
    finally:
        server.shutdown()
    assert banner == ["forlob"], banner


def test_gunicorn_config_hides_its_version():
    """scripts/gunicorn.conf.py replaces gunicorn's own Server name before workers start."""
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "scripts/gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    before = gunicorn_wsgi.SERVER
    try:
        conf.on_starting(None)
        assert gunicorn_wsgi.SERVER == "forlob"
    finally:
        gunicorn_wsgi.SERVER = before
