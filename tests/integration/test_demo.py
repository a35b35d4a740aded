"""The demo seed command creates logins for every role and is idempotent."""
from webui.extensions import db
from webui.models import User


def test_demo_seed_twice(app, runner):
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0, second.output
    assert "psyk.kbh" in second.output
    with app.app_context():
        users = db.session.scalars(db.select(User)).all()
        roles = set().union(*(u.roles for u in users))
    assert {"regional_clinician", "municipal_clinician", "tovholder", "process_owner",
            "implementation_lead", "administrator"} <= roles
