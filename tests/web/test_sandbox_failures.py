"""Hostile definitions over HTTP: a clear 422 page, nothing saved, logged, audited, counted."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine import clock, service
from engine.models import AuditEntry, Pathway, Patient, SandboxFailure
from engine.sandbox import isolation
from tests.fixtures import hostile
from tests.integration.attack_watch import watched
from tests.integration.engine_helpers import T0, deploy_loop, new_patient
from tests.integration.test_sandbox_attacks import BASE, DOUBLED, MEMORY, SLOW
from webui.commands import engine_cli
from webui.extensions import db

BUDGET = 0.5
FORM = {"cpr": "020202-4234", "name": "Rita Henvist", "region": "hovedstaden",
        "municipality": "koebenhavn", "contacts": ["psykiatri", "kommune"],
        "referrer": "Egen læge", "received_at": clock.today().isoformat()}
ATTACKS = {
    "compare_shared_in_c": hostile.script(DOUBLED + "x = l.count(b)"),
    "raises_base_exception": hostile.script(f"raise {BASE}('x')"),
    "dmn_slow_rules": hostile.dmn([SLOW] * 12),
    "memory_bomb_in_condition": hostile.condition(MEMORY),
}


@pytest.fixture
def hostile_app(app, demo_users):
    """The app with a short click budget; deploy() puts a hostile version on top."""
    previous = isolation.SETTINGS["click_budget_s"]
    isolation.configure(click_budget_s=BUDGET)
    yield app
    isolation.configure(click_budget_s=previous)


def deploy(app, bundle):
    assert isolation.pool().wait_idle(30)  # a warm pool: the attack, not a start, is timed
    with app.app_context():
        version = service.deploy_bundle(db.session, bundle, "ejer", known_forms=hostile.FORMS)
        db.session.commit()
        return version.id


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_referral_on_a_hostile_definition_fails_cleanly(hostile_app, client, auth, caplog, name):
    version_id = deploy(hostile_app, ATTACKS[name])
    auth.login("psyk.kbh")
    with watched(hostile_app) as watch:
        response = client.post("/henvisning", data=FORM)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Forløbsdefinitionen fejlede ved elementet “evil”" in body
    assert "Intet blev gemt" in body
    assert watch.elapsed < BUDGET + 1
    assert watch.memory_growth_mb() < 100
    assert watch.latencies and max(watch.latencies) < 0.2 and set(watch.statuses) == {200}
    assert any("sandbox violation by psyk.kbh" in r.getMessage() for r in caplog.records)
    with hostile_app.app_context():
        assert _count(Patient) == 0 and _count(Pathway) == 0  # nothing of the step is saved
        failure = db.session.scalar(select(SandboxFailure))
        assert (failure.actor, failure.element, failure.version_id) == \
            ("psyk.kbh", "evil", version_id)
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "sandbox.violation"))
        assert entry.actor == "psyk.kbh" and "element evil" in entry.detail
    # The service and its sandbox still work: the next referral on a sound version succeeds.
    with hostile_app.app_context():
        deploy_loop(db.session)
    assert client.post("/henvisning", data=FORM).status_code == 302


def test_process_owner_sees_failing_element_and_count(hostile_app, client, auth):
    version_id = deploy(hostile_app, hostile.script(f"raise {BASE}('x')"))
    auth.login("psyk.kbh")
    for cpr in ("020202-4234", "010101-1234"):
        assert client.post("/henvisning", data={**FORM, "cpr": cpr}).status_code == 422
    auth.logout()
    auth.login("ejer")
    body = client.get("/modeler/").get_data(as_text=True)
    assert 'data-element="evil"' in body
    row = body.split('data-element="evil"')[1].split("</tr>")[0]
    assert f"<td>{version_id}</td>" in body and "<td>exception</td>" in row and "<td>2</td>" in row


def test_english_page_names_the_element(hostile_app, client, auth):
    deploy(hostile_app, hostile.script(f"raise {BASE}('x')"))
    auth.login("psyk.kbh")
    client.post("/lang", data={"lang": "en"})
    response = client.post("/henvisning", data=FORM)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "The pathway definition failed at element “evil”. Nothing was saved." in body
    assert "Exceeded" not in body  # a raised exception is no limit to name


def test_timer_worker_survives_and_parks_a_hostile_pathway(hostile_app, runner):
    deploy(hostile_app, hostile.after_timer(DOUBLED + "x = l.count(b)"))
    with hostile_app.app_context():
        patient = new_patient(db.session)
        pathway_id = service.start_pathway(db.session, patient.id, {}, "alice", now=T0).id
        db.session.commit()
        db.session.get(Pathway, pathway_id).next_due_at = T0 - timedelta(days=1)
        db.session.commit()
    result = runner.invoke(args=["engine", "worker", "--once"])
    assert result.exit_code == 0, result.output
    with hostile_app.app_context():
        pathway = db.session.get(Pathway, pathway_id)
        assert "evil" in pathway.last_error and pathway.status == "active"
        assert db.session.scalar(select(SandboxFailure.element)) == "evil"


def test_worker_loop_logs_and_survives_any_error(hostile_app, runner, monkeypatch):

    def broken(limit, actor, stop=None):
        raise RuntimeError("boom")
    monkeypatch.setattr(engine_cli, "_tick_once", broken)
    result = runner.invoke(args=["engine", "worker", "--once"])
    assert result.exit_code == 0 and "sweep failed: boom" in result.output


def test_cli_reports_and_records_a_hostile_message_step(hostile_app, runner):
    deploy(hostile_app, hostile.after_message(f"raise {BASE}"))
    with hostile_app.app_context():
        patient = new_patient(db.session)
        service.start_pathway(db.session, patient.id, {}, "alice", now=T0)
        db.session.commit()
        patient_id = patient.id
    result = runner.invoke(args=["engine", "message", "svar", "--patient", str(patient_id)])
    assert result.exit_code != 0 and "evil" in result.output
    with hostile_app.app_context():
        failure = db.session.scalar(select(SandboxFailure))
        assert (failure.actor, failure.element, failure.limit_kind) == ("cli", "evil", "exception")
