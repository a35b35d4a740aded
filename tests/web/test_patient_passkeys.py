"""Passkeys: activation with a passkey, login, replayed and foreign assertions refused."""
from sqlalchemy import select

from tests.web.soft_authenticator import SoftAuthenticator
from tests.web.test_patient_area import _two_patients, new_code
from webui.extensions import db
from webui.patient.models import ActivationCode, PatientAccount, PatientCredential


def _activate_with_passkey(client, code, username, authenticator):
    assert client.post("/mig/aktiver", data={"code": code}).status_code == 302
    options = client.post("/mig/aktiver/passkey/valg", json={"username": username}).get_json()
    assert options["rp"]["id"] == "localhost"
    return client.post("/mig/aktiver/passkey", json={"username": username,
                                                     "credential": authenticator.create(options)})


def _login(client, authenticator, **kwargs):
    options = client.post("/mig/login/passkey/valg").get_json()
    assertion = authenticator.get(options, **kwargs)
    return client.post("/mig/login/passkey", json=assertion), assertion


def test_activate_and_log_in_with_a_passkey(app, client, auth):
    a, _b = _two_patients(app)
    device = SoftAuthenticator()
    response = _activate_with_passkey(client, new_code(client, auth, a), "bent.t", device)
    assert response.status_code == 200 and response.get_json()["redirect"] == "/mig/"
    assert client.get("/mig/").status_code == 200
    client.post("/mig/logout")
    assert client.get("/mig/").status_code == 302
    response, _assertion = _login(client, device)
    assert response.status_code == 200 and client.get("/mig/").status_code == 200
    with app.app_context():
        account = db.session.scalar(select(PatientAccount).where(PatientAccount.username == "bent.t"))
        assert account.patient_id == a
        assert db.session.scalar(select(PatientCredential.sign_count)) == 1
        assert db.session.scalar(select(ActivationCode.used_at)) is not None


def test_replayed_assertion_and_unknown_or_stale_counters_are_refused(app, client, auth):
    a, _b = _two_patients(app)
    device = SoftAuthenticator()
    _activate_with_passkey(client, new_code(client, auth, a), "bent.t", device)
    client.post("/mig/logout")
    response, assertion = _login(client, device)
    assert response.status_code == 200
    client.post("/mig/logout")
    # the same assertion again: its challenge is spent (and a new challenge does not match it)
    assert client.post("/mig/login/passkey", json=assertion).status_code == 401
    client.post("/mig/login/passkey/valg")
    assert client.post("/mig/login/passkey", json=assertion).status_code == 401
    # a cloned authenticator whose counter did not grow
    response, _ = _login(client, device, counter_step=0)
    assert response.status_code == 401
    # a passkey the server never registered
    response, _ = _login(client, SoftAuthenticator())
    assert response.status_code == 401
    assert client.get("/mig/").status_code == 302


def test_passkey_activation_spends_the_code_once(app, client, auth):
    a, _b = _two_patients(app)
    code = new_code(client, auth, a)
    assert _activate_with_passkey(client, code, "bent.t", SoftAuthenticator()).status_code == 200
    client.post("/mig/logout")
    assert client.post("/mig/aktiver", data={"code": code}).status_code == 400
    # a passkey for another origin is refused
    code2 = new_code(client, auth, a)
    response = _activate_with_passkey(client, code2, "bent.two", SoftAuthenticator(origin="https://evil.example"))
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(PatientAccount.id).where(PatientAccount.username == "bent.two")) is None
