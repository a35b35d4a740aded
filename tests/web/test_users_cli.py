"""`flask users create` and `flask users roles`."""
from webui.extensions import db
from webui.models import User


def _user(app, username):
    with app.app_context():
        return db.session.scalar(db.select(User).filter_by(username=username))


def test_create_user_and_log_in(app, runner, client, demo_users):
    result = runner.invoke(args=["users", "create", "ny.bruger", "--org", "kommune-odense",
                                 "--roles", "municipal_clinician", "--name", "Ny Bruger",
                                 "--password", "hemmelig99"])
    assert result.exit_code == 0, result.output
    user = _user(app, "ny.bruger")
    assert user.organisation_code == "kommune-odense" and user.roles == {"municipal_clinician"}
    assert user.password_hash != "hemmelig99"
    assert client.post("/login", data={"username": "ny.bruger",
                                       "password": "hemmelig99"}).status_code == 302


def test_create_prompts_for_the_password(app, runner, demo_users):
    result = runner.invoke(args=["users", "create", "prompted", "--org", "region-sjaelland",
                                 "--roles", "regional_clinician"], input="langtord1\nlangtord1\n")
    assert result.exit_code == 0, result.output
    assert _user(app, "prompted").check_password("langtord1")


def test_create_refuses_bad_input_and_changes_nothing(app, runner, demo_users):
    cases = [
        (["psyk.kbh", "--org", "region-hovedstaden", "--roles", "tovholder"], "already exists"),
        (["x1", "--org", "region-nowhere", "--roles", "tovholder"], "unknown organisation"),
        (["x2", "--org", "region-hovedstaden", "--roles", "tovholder,wizard"], "unknown role"),
        (["x3", "--org", "region-hovedstaden", "--roles", ","], "at least one role"),
        (["x4", "--org", "region-hovedstaden", "--roles", "tovholder", "--password", "short"],
         "at least 8"),
    ]
    for args, message in cases:
        if "--password" not in args:
            args = args + ["--password", "longenough1"]
        result = runner.invoke(args=["users", "create", *args])
        assert result.exit_code != 0 and message in result.output, (args, result.output)
    for name in ("x1", "x2", "x3", "x4"):
        assert _user(app, name) is None
    assert _user(app, "psyk.kbh").roles == {"regional_clinician"}


def test_roles_list_show_and_set(app, runner, demo_users):
    listing = runner.invoke(args=["users", "roles"])
    assert listing.exit_code == 0 and "rus.frb" in listing.output and "administrator" in listing.output
    shown = runner.invoke(args=["users", "roles", "rus.kbh"])
    assert shown.output.strip() == "rus.kbh: municipal_clinician"
    changed = runner.invoke(args=["users", "roles", "rus.kbh", "--set",
                                  "municipal_clinician,tovholder"])
    assert changed.exit_code == 0, changed.output
    assert _user(app, "rus.kbh").roles == {"municipal_clinician", "tovholder"}


def test_roles_refuses_unknown_user_and_role(app, runner, demo_users):
    assert "no such user" in runner.invoke(args=["users", "roles", "ghost"]).output
    bad = runner.invoke(args=["users", "roles", "rus.kbh", "--set", "boss"])
    assert bad.exit_code != 0 and "unknown role" in bad.output
    assert _user(app, "rus.kbh").roles == {"municipal_clinician"}
