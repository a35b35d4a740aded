"""The demo seed command creates logins for every role, is idempotent, and runs only in demo mode."""
from webui.extensions import db
from webui.models import User


def test_demo_seed_twice(app, demo_runner):
    first = demo_runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    second = demo_runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0, second.output
    assert "psyk.kbh" in second.output
    with app.app_context():
        users = db.session.scalars(db.select(User)).all()
        roles = set().union(*(u.roles for u in users))
    assert {"regional_clinician", "municipal_clinician", "tovholder", "process_owner",
            "implementation_lead", "administrator"} <= roles


def test_every_demo_command_refuses_a_non_demo_database(app, runner):
    for args in (["demo", "seed"], ["demo", "seed", "--patients", "2"],
                 ["demo", "advance", "--days", "3"], ["demo", "reset", "--yes"]):
        result = runner.invoke(args=args)
        assert result.exit_code != 0, args
        assert "only allowed in demo mode" in result.output
        assert "not a demo database" in result.output
    with app.app_context():
        assert db.session.scalars(db.select(User)).all() == []  # no demo1234 logins made
