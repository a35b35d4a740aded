"""The demo seed command creates logins for every role, is idempotent, and runs only in demo mode."""
from engine import service
from engine.models import Pathway, Patient
from webui.demo.patients import PLAN, demo_cpr
from webui.extensions import db
from webui.models import User
from webui.pathways.patient_choice import END_REASON


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


def test_demo_seed_has_the_admission_acute_and_patient_choice_cases(app, demo_runner):
    result = demo_runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    index = {target: i for i, (target, *_rest) in enumerate(PLAN)}
    with app.app_context():
        def pathway(target):
            patient = db.session.scalar(db.select(Patient).where(
                Patient.cpr == demo_cpr(index[target])))
            return db.session.scalar(db.select(Pathway).where(Pathway.patient_id == patient.id))

        referred = pathway("indlagt_fra_henvisning")       # admitted while in visitation
        assert (referred.stage, referred.status) == ("indlagt", "active")
        acute = pathway("akut_indskrevet")                 # acute start, enrolled during the stay
        assert acute.stage == "indlagt" and acute.tovholder == "tovholder.kbh"
        assert service.pathway_data(db.session, acute.id)["enrolled_at"]
        postponed = pathway("udsat")
        assert (postponed.patient_choice, postponed.guarantee_status) == ("postponed", "open")
        assert postponed.patient_choice_until is not None
        declined = pathway("fravalgt")
        assert (declined.patient_choice, declined.guarantee_status) == ("declined", "waived")
        assert (declined.status, declined.end_reason) == ("ended", END_REASON)
