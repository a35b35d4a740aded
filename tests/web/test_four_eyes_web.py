"""The modeler never offers, and the engine never accepts, an unapproved version as a target."""
import pytest
from sqlalchemy import select

from engine import modeling, service
from engine.migration.models import MigrationJob, VersionMigrationPolicy
from engine.models import AuditEntry, DefinitionVersion, Pathway
from tests.web.pathway_setup import ensure_deployed, refer
from webui.extensions import db


def _relabel(files, name, old, new):
    return {name: files[name].replace(old, new, 1)}


@pytest.fixture
def setup(app, demo_users):
    """A referred pathway on the deployed version, two disjoint proposals by 'ejer', the first
    approved by 'ejer2', the second merged (superseded, never approved), and a third proposal."""
    with app.app_context():
        ensure_deployed()
        pathway = refer()
        base = service.current_version(db.session)
        files = base.files
        first, _ = modeling.propose(db.session, base.id, _relabel(
            files, "stabil.bpmn", 'name="Stabil"', 'name="Stabil fase"'), "ejer")
        second, _ = modeling.propose(db.session, base.id, _relabel(
            files, "forms/audit.json", '"title": "', '"title": "Ny: '), "ejer")
        modeling.approve(db.session, first.id, "ejer2")
        merged = modeling.approve(db.session, second.id, "ejer2")
        third, _ = modeling.propose(db.session, merged.id, _relabel(
            merged.files, "stabil.bpmn", 'name="Stabil fase"', 'name="Stabil 3"'), "ejer")
        db.session.commit()
        return dict(pathway=pathway.id, base=base.id, first=first.id, merged_away=second.id,
                    merged=merged.id, proposal=third.id)


def _pathway_version(app, pathway_id):
    with app.app_context():
        return db.session.get(Pathway, pathway_id).version_id


def test_migrations_refuse_a_proposal_as_target_and_never_offer_it(auth, client, app, setup):
    auth.login("ejer")
    page = client.get("/modeler/migrations").get_data(as_text=True)
    assert f'<option value="{setup["proposal"]}"' not in page
    assert f'<option value="{setup["merged_away"]}"' not in page
    assert f'<option value="{setup["first"]}"' in page  # approved and current before
    for target in (setup["proposal"], setup["merged_away"]):
        dry = client.get(f"/modeler/migrations?to={target}", follow_redirects=True)
        assert "ikke godkendt" in dry.get_data(as_text=True)
        start = client.post("/modeler/migrations", data={"to": target, "scope": "all"},
                            follow_redirects=True)
        assert "ikke godkendt" in start.get_data(as_text=True)
        auto = client.post(f"/modeler/migrations/versions/{target}/auto",
                           data={"auto_migrate": "1"}, follow_redirects=True)
        assert "ikke godkendt" in auto.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(MigrationJob)).first() is None
        assert db.session.scalars(select(VersionMigrationPolicy)).first() is None
    assert _pathway_version(app, setup["pathway"]) == setup["base"]


def test_rollback_is_offered_only_for_approved_content_and_asks_for_confirmation(
        auth, client, app, setup):
    auth.login("ejer")
    merged_away = client.get(f"/modeler/versions/{setup['merged_away']}").get_data(as_text=True)
    assert 'id="rollback-button"' not in merged_away
    refused = client.post(f"/modeler/versions/{setup['merged_away']}/rollback",
                          data={"confirm": "1"}, follow_redirects=True)
    assert "aldrig været godkendt" in refused.get_data(as_text=True)
    page = client.get(f"/modeler/versions/{setup['first']}").get_data(as_text=True)
    assert 'id="rollback-button"' in page and 'id="rollback-confirm"' in page
    unconfirmed = client.post(f"/modeler/versions/{setup['first']}/rollback",
                              follow_redirects=True)
    assert "Bekræft" in unconfirmed.get_data(as_text=True)
    with app.app_context():
        assert service.current_version(db.session).id == setup["merged"]
    done = client.post(f"/modeler/versions/{setup['first']}/rollback", data={"confirm": "1"},
                       follow_redirects=True)
    assert "er aktuel igen" in done.get_data(as_text=True)
    with app.app_context():
        assert service.current_version(db.session).id == setup["first"]
        assert db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "definition_rollback", AuditEntry.actor == "ejer"))
        assert db.session.get(DefinitionVersion, setup["merged_away"]).approved_by is None


def test_cli_migrate_refuses_a_proposal(app, runner, setup):
    result = runner.invoke(args=["engine", "migrate", "--to", str(setup["proposal"])])
    assert result.exit_code != 0 and "proposed" in result.output
    assert _pathway_version(app, setup["pathway"]) == setup["base"]


def test_a_backtracking_pattern_is_refused_by_the_modelers_validate(auth, client, app, setup):
    """Issue 19: `Notat (.*.*)*X` reached through /modeler/api/validate froze the web process.
    It is harmless under RE2; a pattern RE2 cannot take is refused with a message."""
    with app.app_context():
        current = service.current_version(db.session)
        base, form = current.id, current.files["forms/indskrivning.json"]
    assert '"pattern": "' in form
    start = form.index('"pattern": "') + len('"pattern": "')
    end = form.index('"', start)
    auth.login("ejer")
    for pattern, ok in (("Notat (.*.*)*X", None), ("(x)\\\\1", False)):
        changed = form[:start] + pattern + form[end:]
        answer = client.post("/modeler/api/validate", json={
            "base_version": base, "files": {"forms/indskrivning.json": changed}})
        body = answer.get_json()
        assert answer.status_code == 200
        if ok is False:
            assert body["ok"] is False
            assert any("RE2" in p["message"] for p in body["problems"]), body["problems"]
        else:  # valid RE2: no problem about the pattern (scenarios may still run and fail)
            assert not any("pattern" in p["message"] for p in body["problems"]), body["problems"]
