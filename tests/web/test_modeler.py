"""Process owners change the pathway safely: validate, propose, four eyes, stale refusal, rollback."""
import io

import pytest
from sqlalchemy import func, select

from engine import service
from engine.models import AuditEntry, DefinitionVersion
from tests.integration.test_scenarios import without_enrolment_task
from tests.web.pathway_setup import ensure_deployed, refer
from webui.extensions import db


@pytest.fixture(autouse=True)
def deployed(app):
    with app.app_context():
        ensure_deployed()


def version_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(DefinitionVersion))


def current(app):
    with app.app_context():
        version = db.session.scalars(select(DefinitionVersion).where(
            DefinitionVersion.status == "current")).one()
        return version.id, dict(version.files)


def status_of(app, version_id):
    with app.app_context():
        return db.session.get(DefinitionVersion, version_id).status


def renamed(files, name="stabil.bpmn", old='name="Stabil"', new='name="Stabil fase"'):
    changed = files[name].replace(old, new, 1)
    assert changed != files[name]
    return {name: changed}


@pytest.mark.parametrize("username", ["psyk.kbh", "rus.kbh", "leder", "admin"])
def test_only_process_owners_open_the_modeler(auth, client, username):
    auth.login(username)
    assert client.get("/modeler/").status_code == 403
    assert client.post("/modeler/upload").status_code == 403
    assert client.post("/modeler/api/propose", json={}).status_code == 403
    assert client.get("/modeler/scenarios").status_code == 403


def test_versions_forms_and_files_are_served(auth, client, app):
    auth.login("ejer")
    version_id, files = current(app)
    assert "forms/indskrivning.json" in files, "forms are part of the deployed bundle"
    page = client.get("/modeler/").get_data(as_text=True)
    assert "Forløbsdefinitioner" in page and f"Aktuel version: {version_id}" in page
    body = client.get(f"/modeler/api/versions/{version_id}").get_json()
    assert body["status"] == "current" and body["current_id"] == version_id
    assert "indskrivning" in body["forms"] and body["files"]["ustabil.bpmn"] == files["ustabil.bpmn"]
    raw = client.get(f"/modeler/versions/{version_id}/files/ustabil.bpmn")
    assert raw.status_code == 200 and raw.get_data(as_text=True) == files["ustabil.bpmn"], raw.get_data(as_text=True)[-2000:]
    assert raw.headers["Content-Disposition"].startswith("attachment")
    assert client.get(f"/modeler/versions/{version_id}/edit").status_code == 200
    assert client.get(f"/modeler/versions/{version_id}/edit/nope.bpmn").status_code == 404
    assert client.get("/modeler/api/versions/99999").status_code == 404
    scenarios = client.get("/modeler/scenarios").get_data(as_text=True)
    assert "Indlæggelse fra Overgang" in scenarios
    assert "Udfør opgaven “Indskrivning og tovholder” (indskrivning)" in scenarios


def test_bad_expression_is_refused_naming_the_element(auth, client, app):
    auth.login("ejer")
    base, files = current(app)
    broken = files["stabil.bpmn"].replace("</bpmn:script>", " + __import__('os')</bpmn:script>", 1)
    response = client.post("/modeler/api/propose", json={"base_version": base,
                                                          "files": {"stabil.bpmn": broken}})
    assert response.status_code == 422 and response.get_json()["error"] == "invalid", response.get_data(as_text=True)[-2000:]
    problems = response.get_json()["problems"]
    assert any(p["file"] == "stabil.bpmn" and p["element"] for p in problems), problems
    assert version_count(app) == 1


def test_unknown_form_is_refused_by_validate_and_propose(auth, client, app):
    auth.login("ejer")
    base, files = current(app)
    broken = {"ustabil.bpmn": files["ustabil.bpmn"].replace(
        'value="ustabil_aktivitet"', 'value="no_such_form"', 1)}
    checked = client.post("/modeler/api/validate", json={"base_version": base, "files": broken})
    body = checked.get_json()
    assert checked.status_code == 200 and body["ok"] is False and body["scenarios"] == [], checked.get_data(as_text=True)[-2000:]
    assert any("no_such_form" in p["message"] and p["element"] for p in body["problems"])
    # removing a form that a user task uses is the same refusal
    gone = client.post("/modeler/api/propose", json={
        "base_version": base, "files": {"forms/ustabil_aktivitet.json": None}})
    assert gone.status_code == 422, gone.get_data(as_text=True)[-2000:]
    assert any("ustabil_aktivitet" in p["message"] for p in gone.get_json()["problems"])
    assert version_count(app) == 1


def test_malformed_form_is_refused(auth, client, app):
    auth.login("ejer")
    base, _ = current(app)
    response = client.post("/modeler/api/propose", json={
        "base_version": base, "files": {"forms/audit.json": '{"id": "audit", "type": "default"}'}})
    assert response.status_code == 422, response.get_data(as_text=True)[-2000:]
    assert any(p["file"] == "forms/audit.json" for p in response.get_json()["problems"])


def test_removing_the_tovholder_task_is_blocked_by_a_scenario(auth, client, app):
    auth.login("ejer")
    base, files = current(app)
    response = client.post("/modeler/api/propose", json={
        "base_version": base, "files": {"henvisning.bpmn": without_enrolment_task(files)}})
    body = response.get_json()
    assert response.status_code == 422 and body["error"] == "scenario_failed", response.get_data(as_text=True)[-2000:]
    failed = [s for s in body["scenarios"] if not s["ok"]]
    assert failed and all(s["step"] for s in failed)
    assert "tovholder" in failed[0]["message"] and failed[0]["title"] in body["message"]
    assert version_count(app) == 1


def test_propose_then_second_owner_approves_and_author_may_not(auth, client, app):
    auth.login("ejer")
    base, files = current(app)
    response = client.post("/modeler/api/propose", json={
        "base_version": base, "files": renamed(files), "note": "nyt navn"})
    assert response.status_code == 201, response.get_json()
    proposed = response.get_json()["version"]
    assert response.get_json()["status"] == "proposed" and current(app)[0] == base
    own = client.post(f"/modeler/api/versions/{proposed}/approve")
    assert own.status_code == 403 and own.get_json()["error"] == "self_approval", own.get_data(as_text=True)[-2000:]
    assert status_of(app, proposed) == "proposed"
    page = client.get(f"/modeler/versions/{proposed}").get_data(as_text=True)
    assert "Du har selv foreslået denne version" in page and "approve-button" not in page
    auth.logout()
    auth.login("ejer2")
    approved = client.post(f"/modeler/versions/{proposed}/approve")
    assert approved.status_code == 302, approved.get_data(as_text=True)[-2000:]
    assert current(app)[0] == proposed and status_of(app, base) == "superseded"
    page = client.get(f"/modeler/versions/{proposed}").get_data(as_text=True)
    assert "ejer2" in page and "Godkendt og gjort aktuel" in page
    listing = client.get("/modeler/").get_data(as_text=True)
    assert "14 af 14 bestået" in listing


def test_stale_base_is_refused_with_the_newer_versions_diff(auth, client, app):
    auth.login("ejer")
    base, files = current(app)
    first = client.post("/modeler/api/propose", json={"base_version": base,
                                                       "files": renamed(files)})
    assert first.status_code == 201, first.get_data(as_text=True)[-3000:]
    auth.logout()
    auth.login("ejer2")
    clash = renamed(files, old='name="Stabil"', new='name="Stabil (ny)"')
    stale = client.post("/modeler/api/propose", json={"base_version": base, "files": clash})
    body = stale.get_json()
    assert stale.status_code == 409 and body["error"] == "stale_base", body
    assert body["newer"][0]["id"] == first.get_json()["version"] and body["newer"][0]["by"] == "ejer"
    assert any(c["file"] == "stabil.bpmn" and c["change"] == "changed"
               for c in body["diff"]["changes"])
    assert "stabil.bpmn" in body["message"]
    assert version_count(app) == 2


def test_existing_content_says_so(auth, client, app):
    auth.login("ejer")
    base, files = current(app)
    same = client.post("/modeler/api/propose", json={
        "base_version": base, "files": {"stabil.bpmn": files["stabil.bpmn"]}})
    body = same.get_json()
    assert same.status_code == 200 and body["existing"] is True and body["version"] == base, same.get_data(as_text=True)[-2000:]
    assert "findes allerede" in body["message"]
    assert version_count(app) == 1


def test_rollback_makes_the_old_version_current_and_says_so(auth, client, app):
    auth.login("ejer")
    old, files = current(app)
    with app.app_context():
        newer = service.deploy_bundle(db.session, {**files, **renamed(files)}, "system").id
        db.session.commit()
    assert current(app)[0] == newer
    response = client.post(f"/modeler/versions/{old}/rollback", data={"confirm": "1"},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert f"Version {old} er aktuel igen (i stedet for version {newer})" in page
    assert current(app)[0] == old and status_of(app, newer) == "superseded"
    with app.app_context():
        pathway = refer(cpr="0101901239")
        assert pathway.version_id == old, "new referrals start on the rolled-back version"
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "definition_rollback")) == 1
    again = client.post(f"/modeler/versions/{old}/rollback", data={"confirm": "1"},
                           follow_redirects=True)
    assert "allerede aktuel" in again.get_data(as_text=True)


def test_diff_api_and_compare_page(auth, client, app):
    auth.login("ejer")
    old, files = current(app)
    changed = {**files, **renamed(files)}
    changed["forms/audit.json"] = files["forms/audit.json"].replace(
        '"label": "', '"label": "Ny: ', 1)
    with app.app_context():
        new = service.deploy_bundle(db.session, changed, "system").id
        db.session.commit()
    body = client.get(f"/modeler/api/diff?from={old}&to={new}").get_json()
    kinds = {(c["file"], c["kind"], c["change"]) for c in body["changes"]}
    assert ("stabil.bpmn", "element", "changed") in kinds
    assert ("forms/audit.json", "field", "changed") in kinds
    field = next(c for c in body["changes"] if c["kind"] == "field")
    assert field["new"]["label"].startswith("Ny: ") and not field["old"]["label"].startswith("Ny")
    page = client.get(f"/modeler/compare?from={old}&to={new}").get_data(as_text=True)
    assert "compare.js" in page and "diagram-new" in page and "diff-changed" in page


def test_upload_proposes_and_bad_uploads_change_nothing(auth, client, app):
    auth.login("ejer")
    count = version_count(app)
    response = client.post("/modeler/upload", data={"files": (io.BytesIO(b"hello"), "notes.txt")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "Kun .bpmn-" in response.get_data(as_text=True), response.get_data(as_text=True)[-2000:]
    response = client.post("/modeler/upload", data={"files": (io.BytesIO(b"<not xml"), "stabil.bpmn")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "stabil.bpmn" in response.get_data(as_text=True), response.get_data(as_text=True)[-2000:]
    response = client.post("/modeler/upload", data={"files": (io.BytesIO(b'{"id": "audit"}'),
                                                              "audit.json")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "forms/audit.json" in response.get_data(as_text=True), response.get_data(as_text=True)[-2000:]
    assert version_count(app) == count


def test_four_eyes_off_makes_a_proposal_current_at_once(auth, client, app):
    app.config["FOUR_EYES"] = False
    auth.login("ejer")
    base, files = current(app)
    edited = files["overgang.bpmn"].replace("</bpmn:definitions>", "<!-- x --></bpmn:definitions>")
    response = client.post(f"/modeler/versions/{base}/deploy",
                           json={"filename": "overgang.bpmn", "xml": edited})
    body = response.get_json()
    assert response.status_code == 200 and body["status"] == "current", response.get_data(as_text=True)[-2000:]
    assert current(app)[0] == body["version"] != base
