"""Relatives: the patient grants access with a scope, and revokes it; every page checked."""
import re

import pyotp
from sqlalchemy import select

from engine.models import AuditEntry, Patient
from tests.web.test_patient_area import PASSWORD, activate
from tests.web.test_patient_contacts_answers import _setup_patient
from webui.extensions import db
from webui.patient.models import PatientAccount, RelativeConsent


def _grant(client, name, scopes):
    response = client.post("/mig/paaroerende", data={"relative_name": name, "scope": scopes})
    assert response.status_code == 200, response.get_data(as_text=True)
    return re.search(r'id="relative-code">([A-Z0-9-]+)<', response.get_data(as_text=True)).group(1)


def _consent_id(app, name):
    with app.app_context():
        return db.session.scalar(select(RelativeConsent.id).where(RelativeConsent.relative_name == name))


def test_relative_sees_only_the_granted_scope_and_never_answers(app, client, auth):
    _a, _b, own, _other = _setup_patient(app, client, auth)
    plan_code = _grant(client, "Søster Plan", ["plan"])
    crisis_code = _grant(client, "Bror Krise", ["crisis"])
    assert client.post("/mig/paaroerende", data={"relative_name": "", "scope": ["plan"]}).status_code == 400
    assert client.post("/mig/paaroerende", data={"relative_name": "X", "scope": []}).status_code == 400
    assert client.post("/mig/paaroerende", data={"relative_name": "X", "scope": ["answers"]}).status_code == 400
    client.post("/mig/logout")

    activate(client, plan_code, "soester")
    body = client.get("/mig/").get_data(as_text=True)
    assert "Psykiatrisk ambulatorium" in body and "Tove Tovholder" in body
    assert "Sover dårligt" not in body and 'id="crisis"' not in body
    assert f"/mig/skema/{own[0]}" not in body and 'id="answers"' not in body
    assert client.get(f"/mig/skema/{own[0]}").status_code == 403
    assert client.get("/mig/paaroerende").status_code == 403
    assert client.get(f"/patienter/{_a}").status_code == 302            # staff page: staff login
    client.post("/mig/logout")

    activate(client, crisis_code, "bror.k")
    body = client.get("/mig/").get_data(as_text=True)
    assert "Sover dårligt" in body and "Psykiatrisk ambulatorium" not in body and "Tove Tovholder" not in body
    with app.app_context():
        roles = {a.username: a.role for a in db.session.scalars(select(PatientAccount))}
        assert roles == {"bent.t": "patient", "soester": "relative", "bror.k": "relative"}


def test_revoked_consent_ends_the_session_and_the_login_and_unused_codes(app, client, auth):
    _a, _b, _own, _other = _setup_patient(app, client, auth)
    code = _grant(client, "Søster Plan", ["plan", "crisis"])
    unused = _grant(client, "Fætter Ubrugt", ["plan"])
    client.post("/mig/logout")
    relative = app.test_client()
    secret = activate(relative, code, "soester")
    assert relative.get("/mig/").status_code == 200
    # the patient logs in again (a fresh TOTP step) and revokes both
    with app.app_context():
        account = db.session.scalar(select(PatientAccount).where(PatientAccount.username == "bent.t"))
        account.totp_last_step = 0
        bent_secret = account.totp_secret
        db.session.commit()
    assert client.post("/mig/login", data={"username": "bent.t", "password": PASSWORD,
                                           "totp": pyotp.TOTP(bent_secret).now()}).status_code == 302
    for name in ("Søster Plan", "Fætter Ubrugt"):
        assert client.post(f"/mig/paaroerende/{_consent_id(app, name)}/tilbagekald").status_code == 303
    page = client.get("/mig/paaroerende").get_data(as_text=True)
    assert page.count("trukket tilbage") >= 2
    # the relative's live session is over, and the login no longer works
    response = relative.get("/mig/")
    assert response.status_code == 302 and "/mig/login" in response.headers["Location"]
    with app.app_context():
        acct = db.session.scalar(select(PatientAccount).where(PatientAccount.username == "soester"))
        acct.totp_last_step = 0
        db.session.commit()
    assert relative.post("/mig/login", data={"username": "soester", "password": PASSWORD,
                                             "totp": pyotp.TOTP(secret).now()}).status_code == 401
    assert app.test_client().post("/mig/aktiver", data={"code": unused}).status_code == 400
    with app.app_context():
        actions = [e.action for e in db.session.scalars(select(AuditEntry).where(AuditEntry.actor == "patient:bent.t"))]
        assert actions.count("patient.consent_grant") == 2 and actions.count("patient.consent_revoke") == 2
        consent = db.session.get(RelativeConsent, _consent_id(app, "Søster Plan"))
        assert consent.revoked_at is not None and consent.revoked_by == "patient:bent.t" and consent.scope == "plan,crisis"


def test_a_patient_cannot_revoke_another_patients_consent(app, client, auth):
    _setup_patient(app, client, auth)
    _grant(client, "Søster Plan", ["plan"])
    with app.app_context():
        cid = _consent_id(app, "Søster Plan")
        db.session.get(RelativeConsent, cid).patient_id = _b_id(app)
        db.session.commit()
    assert client.post(f"/mig/paaroerende/{cid}/tilbagekald").status_code == 404


def _b_id(app):
    with app.app_context():
        return db.session.scalar(select(Patient.id).where(Patient.name == "Birthe Anden"))
