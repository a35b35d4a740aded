"""`flask demo advance` and `flask demo reset`: a movable clock and a fresh start, demo mode only."""
from datetime import timedelta

import pytest

from engine import clock
from engine.models import Patient
from tests.conftest import make_test_config
from tests.web import pathway_setup as setup
from webui import create_app
from webui.demo import clock as demo_clock
from webui.extensions import db

ENROL = setup.ENROL
TO_USTABIL = [("visitation", {"visitation_decision": "inkluderet"}), ("indskrivning", ENROL),
              ("audit", None), ("dudit", None),
              ("selvmordsrisiko", {"suicide_risk_level": "lav"}), ("medicingennemgang", None),
              ("koordineret_plan", None), ("skadesreduktion", None),
              ("opstart_vurdering", {"phase_decision": "ustabil"})]


@pytest.fixture
def demo_app(app, database_url, demo_users):
    """The app in demo mode, on the same (emptied) database; the clock is put back after."""
    demo = create_app(make_test_config(database_url, DEMO_MODE=True))
    yield demo
    clock.set_offset(timedelta(0))


def test_advance_and_reset_are_refused_outside_demo_mode(app, runner):
    advance = runner.invoke(args=["demo", "advance", "--days", "3"])
    assert advance.exit_code != 0 and "only allowed in demo mode" in advance.output
    reset = runner.invoke(args=["demo", "reset", "--yes"])
    assert reset.exit_code != 0 and "only allowed in demo mode" in reset.output
    with app.app_context():
        assert demo_clock.stored_offset() == timedelta(0)


def test_advance_rejects_bad_day_counts(demo_app):
    runner = demo_app.test_cli_runner()
    for days in ("0", "-2", "1000", "x"):
        assert runner.invoke(args=["demo", "advance", "--days", days]).exit_code != 0


def test_advance_shows_a_guarantee_warning_and_a_reassessment(demo_app):
    with demo_app.app_context():
        setup.refer(cpr="0101901235", name="Bent Testesen")
        pathway = setup.refer(cpr="0202902468", name="Ulla Ustabil")
        for form_id, overrides in TO_USTABIL:
            setup.complete(pathway.id, form_id, overrides, actor="tovholder.kbh")
    nurse, tovholder = demo_app.test_client(), demo_app.test_client()
    nurse.post("/login", data={"username": "psyk.kbh", "password": "demo1234"})
    tovholder.post("/login", data={"username": "tovholder.kbh", "password": "demo1234"})
    assert "Garantien udløber snart" not in nurse.get("/").get_data(as_text=True)

    result = demo_app.test_cli_runner().invoke(args=["demo", "advance", "--days", "12"])
    assert result.exit_code == 0 and "+12 days" in result.output, result.output
    assert "Garantien udløber snart" in nurse.get("/").get_data(as_text=True)
    assert "Revurdering" not in tovholder.get("/?lane=tovholder").get_data(as_text=True)

    result = demo_app.test_cli_runner().invoke(args=["demo", "advance", "--days", "50"])
    assert result.exit_code == 0 and "+62 days" in result.output
    assert "timer(s) fired" in result.output and not result.output.startswith("0 timer")
    assert "Revurdering" in tovholder.get("/").get_data(as_text=True)


def test_reset_gives_fresh_demo_data(demo_app):
    runner = demo_app.test_cli_runner()
    with demo_app.app_context():
        setup.refer(cpr="0101901235", name="Bent Testesen")
    assert runner.invoke(args=["demo", "advance", "--days", "2"]).exit_code == 0
    result = runner.invoke(args=["demo", "reset", "--yes"])
    assert result.exit_code == 0, result.output
    assert "Demo logins" in result.output
    with demo_app.app_context():
        names = db.session.scalars(db.select(Patient.name)).all()
        assert "Bent Testesen" not in names and len(names) >= 30
        assert demo_clock.stored_offset() == timedelta(0)
    assert clock.offset() == timedelta(0)
